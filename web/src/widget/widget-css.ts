/** The widget's styles, inside its shadow root: nothing leaks out, and the host page's rules don't reach in. */
export const WIDGET_CSS = `
:host { all: initial; }
* { box-sizing: border-box; }
.launcher, .panel { font: 15px/1.4 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; color: #1d2330; }
.launcher { position: fixed; right: 16px; bottom: 16px; z-index: 2147483000; border: 0; border-radius: 999px;
  padding: 12px 20px; background: #2457d6; color: #fff; font-weight: 600; cursor: pointer; box-shadow: 0 4px 14px rgba(0,0,0,.25); }
.panel { position: fixed; right: 16px; bottom: 76px; z-index: 2147483000; width: min(360px, calc(100vw - 32px));
  max-height: calc(100vh - 100px); overflow: auto; background: #fff; border-radius: 14px; box-shadow: 0 8px 30px rgba(0,0,0,.25); }
.panel[hidden] { display: none; }
.head { display: flex; align-items: center; justify-content: space-between; padding: 12px 16px; background: #2457d6; color: #fff;
  border-radius: 14px 14px 0 0; }
h2 { margin: 0; font-size: 16px; }
.icon { background: none; border: 0; color: #fff; font-size: 22px; line-height: 1; cursor: pointer; padding: 2px 8px; }
.body { padding: 14px 16px 16px; display: grid; gap: 10px; }
.operators { list-style: none; margin: 0; padding: 0; display: grid; gap: 8px; }
.operators li { display: flex; align-items: center; gap: 10px; flex-wrap: wrap; }
.name { flex: 1; font-weight: 500; }
.avatar { width: 36px; height: 36px; border-radius: 50%; object-fit: cover; flex: none; }
.initial { display: inline-grid; place-items: center; background: #e3e8f5; color: #2457d6; font-weight: 700; }
.presence { display: inline-flex; align-items: center; gap: 6px; font-size: 13px; color: #5b6476; }
.dot { width: 10px; height: 10px; border-radius: 50%; flex: none; }
.dot.online { background: #1f9d55; }
.dot.away { background: #b36b00; }
button.primary, button.secondary, button.choose { font: inherit; border-radius: 8px; padding: 9px 14px; cursor: pointer; }
button.primary { background: #2457d6; color: #fff; border: 0; font-weight: 600; }
button.secondary, button.choose { background: #fff; color: #2457d6; border: 1px solid #2457d6; }
button.choose { padding: 5px 10px; font-size: 13px; }
/* Focus rings at 3:1 or more against what surrounds them: blue on the white panel, white on the blue head; the
   launcher sits on any page, so its ring is dark outside a white gap (one of the two shows on any background). */
:focus-visible { outline: 3px solid #2457d6; outline-offset: 2px; }
.head :focus-visible { outline-color: #fff; }
.launcher:focus-visible { outline: 3px solid #1d2330; outline-offset: 2px; box-shadow: 0 0 0 2px #fff, 0 4px 14px rgba(0,0,0,.25); }
.groups { border: 1px solid #d9dde5; border-radius: 8px; margin: 0; padding: 8px 12px 10px; display: grid; gap: 6px; }
.groups legend { font-weight: 600; padding: 0 4px; }
.groups label { display: flex; align-items: center; gap: 8px; flex-wrap: wrap; cursor: pointer; }
.groups input { margin: 0; accent-color: #2457d6; }
.state { font-size: 13px; color: #5b6476; }
.state.online { color: #17804a; }
.message { margin: 0; }
.muted { color: #5b6476; font-size: 13px; }
.error { color: #c0392b; }
.place { font-weight: 600; }
.assigned { display: flex; align-items: center; gap: 12px; }
.assigned .avatar { width: 48px; height: 48px; }
.chat, .chat-head, form { display: grid; gap: 8px; margin: 0; }
.log { display: grid; gap: 6px; max-height: 260px; overflow-y: auto; padding: 2px; }
.log:empty { display: none; }
.msg { max-width: 85%; justify-self: start; padding: 6px 10px; border-radius: 10px; background: #eef1f7; white-space: pre-wrap; overflow-wrap: anywhere; }
.msg.visitor { justify-self: end; background: #2457d6; color: #fff; }
.who { display: block; font-size: 12px; opacity: .85; }
label { font-size: 14px; font-weight: 600; }
textarea, input[type=text], input[type=email] { font: inherit; color: inherit; background: #fff; width: 100%; padding: 8px 10px;
  border: 1px solid #8d95a5; border-radius: 8px; resize: vertical; }
textarea:focus-visible, input:focus-visible { outline-offset: 1px; }
.count { font-size: 12px; color: #5b6476; justify-self: end; margin-top: -4px; }
.bar { display: flex; align-items: center; justify-content: space-between; gap: 8px; }
.bar .count { margin: 0; }
.error:empty { display: none; }
.confirmed { font-weight: 600; color: #17703d; }
@media (max-width: 480px) { .panel { right: 8px; left: 8px; width: auto; bottom: 72px; } .launcher { right: 8px; bottom: 8px; } }
`;
