/** The local demo: an ordinary shop page with the widget embedded, as a customer would do it. */
export function demoHostPage(siteId: string): string {
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Demo shop</title>
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
