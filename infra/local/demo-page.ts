/** The local demo: an ordinary shop page with the widget embedded, as a customer would do it. */
export function demoHostPage(siteId: string): string {
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Demo shop</title>
    <!-- The icon is inline: the browser then asks for no /favicon.ico, which no one serves. -->
    <link rel="icon" type="image/svg+xml" href="data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 32 32'%3E%3Crect width='32' height='32' rx='7' fill='%232457d6'/%3E%3Cpath d='M8 7h16a3 3 0 0 1 3 3v9a3 3 0 0 1-3 3h-8.5L10 26.5V22H8a3 3 0 0 1-3-3v-9a3 3 0 0 1 3-3z' fill='%23fff'/%3E%3Cpath d='M10 12.5h12M10 16.5h8' stroke='%232457d6' stroke-width='2' stroke-linecap='round'/%3E%3C/svg%3E" />
    <style>
      body { font-family: Georgia, serif; margin: 0; background: #fffaf3; color: #2d2416; }
      header { padding: 1.5rem 2rem; background: #3b2f1e; color: #fff; }
      main { padding: 2rem; max-width: 720px; }
      button { font-family: inherit; }
    </style>
  </head>
  <body>
    <header><h1>Demo shop</h1></header>
    <main>
      <p>This page stands for a customer's site. The chat button at the bottom right is the widget of the demo site
      <code>${siteId}</code>, embedded with one script tag.</p>
      <p><a href="/console/">Operator console</a> · <a href="/admin/">Admin</a></p>
    </main>
    <script src="/widget.js" data-site="${siteId}" async></script>
  </body>
</html>
`;
}
