using System.Security.Cryptography;
using System.Text;

namespace Hmm.Spec.Actors.Reports;

/// <summary>The report's inline stylesheet and script. Nothing is loaded from outside the page: system font
/// stacks, no images, and a Content-Security-Policy that only lets this exact script run.</summary>
internal static class HtmlReportAssets
{
    public const string Css = """
:root {
  --ink: #1f2328; --muted: #656d76; --line: #d0d7de; --paper: #ffffff; --band: #f6f8fa;
  --read: #1f6feb; --write: #bc4c00; --lock: #8250df; --call: #1a7f37; --note: #6e7781;
  --ptl: #ffe9a8; --ptl-edge: #e3b341; --sem-r: #a5c8ff; --sem-w: #0a3069; --olock: #c297ff;
  --bad: #cf222e; --bad-bg: #ffebe9; --good: #1a7f37; --good-bg: #dafbe1;
  --mono: ui-monospace, SFMono-Regular, "DejaVu Sans Mono", Menlo, Consolas, "Liberation Mono", monospace;
  --sans: system-ui, -apple-system, "Segoe UI", "DejaVu Sans", "Liberation Sans", Arial, sans-serif;
}
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: var(--paper); font: 13px/1.4 var(--sans); }
a { color: inherit; }
header.top { padding: 14px 20px 10px; border-bottom: 1px solid var(--line); background: var(--band); }
h1 { margin: 0 0 2px; font-size: 18px; font-weight: 600; }
h1 .scenario { font-family: var(--mono); }
h1 .on { color: var(--muted); font-weight: 400; }
h1 .variant { font-family: var(--mono); background: #ddf4ff; border: 1px solid #54aeff66; border-radius: 4px; padding: 0 5px; }
p.desc { margin: 2px 0 8px; color: var(--muted); max-width: 110ch; }
dl.facts { display: flex; flex-wrap: wrap; gap: 4px 18px; margin: 0 0 10px; }
dl.facts div { display: flex; gap: 6px; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; font-family: var(--mono); }
.verdict { border-radius: 6px; padding: 8px 12px; font-size: 14px; display: flex; gap: 10px; align-items: baseline; flex-wrap: wrap; }
.verdict.bad { background: var(--bad-bg); border: 1px solid #ff818266; color: #82071e; }
.verdict.good { background: var(--good-bg); border: 1px solid #4ac26b66; color: #116329; }
.verdict .cat { font-family: var(--mono); font-weight: 700; }
.verdict .where { font-family: var(--mono); }
.verdict .detail { color: var(--ink); }
.legend { display: flex; flex-wrap: wrap; gap: 6px 16px; margin-top: 10px; color: var(--muted); font-size: 12px; align-items: center; }
.legend .sw { display: inline-block; width: 22px; height: 12px; vertical-align: -1px; border: 1px solid var(--line); margin-right: 4px; }
.sw.ptl { background: var(--ptl); }
.sw.sem-r { box-shadow: inset 5px 0 0 var(--sem-r); }
.sw.sem-w { box-shadow: inset 5px 0 0 var(--sem-w); }
.sw.olock { box-shadow: inset -5px 0 0 var(--olock); }
main { padding: 0 0 16px; }
table.trace { border-collapse: separate; border-spacing: 0; table-layout: fixed; width: 100%; min-width: calc(56px + var(--lanes) * 270px); }
body.wrap .box { white-space: normal; word-break: break-word; }
button.toggle { font: 12px var(--sans); border: 1px solid var(--line); background: #fff; border-radius: 4px; padding: 1px 8px; cursor: pointer; }
table.trace col.seqcol { width: 56px; }
table.trace thead th { position: sticky; top: 0; z-index: 2; background: #eaeef2; border-bottom: 2px solid var(--line); padding: 6px 8px; text-align: left; font-family: var(--mono); font-size: 13px; }
table.trace thead th small { display: block; font-family: var(--sans); font-weight: 400; color: var(--muted); font-size: 11px; }
table.trace thead th.unlisted { color: var(--muted); font-style: italic; }
details.prologue { border-bottom: 1px solid var(--line); }
details.prologue > summary { padding: 6px 20px; cursor: pointer; color: var(--muted); background: var(--band); }
details.prologue > summary:hover { color: var(--ink); }
details.prologue table.trace thead th { position: static; background: #f3f4f6; font-weight: 400; }
table.trace td { padding: 1px 4px; border-right: 1px solid #eaeef2; vertical-align: top; height: 22px; }
td.seq { font-family: var(--mono); font-size: 11px; color: var(--muted); text-align: right; padding-right: 8px; }
td.seq a { text-decoration: none; }
td.ptl { background: var(--ptl); }
td.ptl .box { background: #fff6d6; border-top-color: var(--ptl-edge); border-bottom-color: var(--ptl-edge); }
td.sem-r { box-shadow: inset 4px 0 0 var(--sem-r); }
td.sem-w { box-shadow: inset 4px 0 0 var(--sem-w); }
td.olock { box-shadow: inset -4px 0 0 var(--olock); }
td.sem-r.olock { box-shadow: inset 4px 0 0 var(--sem-r), inset -4px 0 0 var(--olock); }
td.sem-w.olock { box-shadow: inset 4px 0 0 var(--sem-w), inset -4px 0 0 var(--olock); }
tr.step:hover td { outline: 1px solid #d0d7de88; }
.box { font: 12px/18px var(--mono); background: #fff; border: 1px solid var(--line); border-left: 4px solid var(--note); border-radius: 3px; padding: 0 5px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; cursor: pointer; }
.box:hover, .box:focus { white-space: normal; overflow: visible; word-break: break-word; position: relative; z-index: 1; box-shadow: 0 2px 8px #0002; }
.box.k-read { border-left-color: var(--read); }
.box.k-write { border-left-color: var(--write); }
.box.k-lock, .box.k-unlock { border-left-color: var(--lock); background: #fbf7ff; }
.box.k-call { border-left-color: var(--call); }
.box.k-note { border-left-color: var(--note); background: var(--band); }
.box .kind { display: inline-block; width: 1.2em; font-weight: 700; }
.k-read .kind { color: var(--read); } .k-write .kind { color: var(--write); }
.k-lock .kind, .k-unlock .kind { color: var(--lock); } .k-call .kind { color: var(--call); } .k-note .kind { color: var(--note); }
.box a.fn { font-weight: 600; text-decoration: none; }
.box a.fn:hover { text-decoration: underline; }
.box a.fn.outside { font-weight: 400; color: #424a53; }
.box .res { color: #0550ae; }
.box .det { color: var(--ink); }
.box .badge { float: right; margin: 1px 0 0 6px; }
.badge { display: inline-block; border-radius: 9px; padding: 0 6px; margin-left: 4px; font-size: 11px; line-height: 16px; font-weight: 600; }
.badge.up { background: var(--good-bg); color: #116329; }
.badge.down { background: #ffebe9; color: #a40e26; }
.badge.flat { background: #eaeef2; color: #424a53; }
.badge.map { border: 1px solid currentColor; }
.badge.rss { border: 1px dashed currentColor; font-weight: 400; }
.badge.pgmap { border: 1px dotted currentColor; font-weight: 400; }
.box.hl { outline: 2px solid #fb8f44; }
tr.violating td { background: var(--bad-bg); }
tr.violating .box { border: 2px solid var(--bad); border-left-width: 5px; white-space: normal; }
tr.callout td.msg { padding: 4px 8px 8px; }
.callout-box { border: 2px solid var(--bad); background: #fff; border-radius: 6px; padding: 6px 10px; color: #82071e; }
.callout-box .cat { font: 700 13px var(--mono); }
.callout-box .where { font-family: var(--mono); }
.callout-box .detail { color: var(--ink); display: block; margin-top: 2px; font-family: var(--mono); white-space: pre-wrap; }
tr.fold td.msg { padding: 2px 8px; color: var(--muted); font-style: italic; border-top: 1px dashed #afb8c1; border-bottom: 1px dashed #afb8c1; background: repeating-linear-gradient(135deg, #f6f8fa, #f6f8fa 6px, #fff 6px, #fff 12px); }
tr.fold td.msg code { font-style: normal; color: var(--ink); }
section.hunks { padding: 8px 20px 24px; border-top: 1px solid var(--line); }
section.hunks h2 { font-size: 15px; margin: 14px 0 6px; }
section.hunks p { color: var(--muted); margin: 0 0 8px; max-width: 110ch; }
table.hunktab { border-collapse: collapse; width: 100%; }
table.hunktab th, table.hunktab td { border-bottom: 1px solid #eaeef2; padding: 4px 8px; text-align: left; vertical-align: top; }
table.hunktab th { background: var(--band); font-weight: 600; }
table.hunktab td.sym, table.hunktab td.file, table.hunktab td.hdr { font-family: var(--mono); white-space: nowrap; }
table.hunktab td.uses { text-align: right; font-family: var(--mono); }
table.hunktab tr.used td.sym { font-weight: 700; }
table.hunktab tr.unused { color: var(--muted); }
table.hunktab tr:target { background: #fff8c5; }
.hdr div + div { margin-top: 2px; }
footer { padding: 8px 20px 20px; color: var(--muted); font-size: 11px; }
#script-errors:empty { display: none; }
#script-errors { margin: 8px 20px; padding: 6px 10px; border: 1px solid var(--bad); color: var(--bad); font-family: var(--mono); }
""";

    /// <summary>Marks the page as rendered (a headless browser's dumped DOM proves the script ran), counts the lanes
    /// into the DOM, collects script errors, and lets a click on a step highlight every step on the same
    /// resource.</summary>
    public const string Script = """
(function () {
  var errors = [];
  window.onerror = function (msg, src, line) {
    errors.push(String(msg) + ' @' + line);
    document.body.dataset.errors = String(errors.length);
    var box = document.getElementById('script-errors');
    if (box) { box.textContent = errors.join('\n'); }
  };
  var lanes = document.querySelectorAll('#trace thead th.lane');
  document.body.dataset.lanes = String(lanes.length);
  document.body.dataset.steps = String(document.querySelectorAll('table.trace tr.step').length);
  var wrap = document.getElementById('wrap-toggle');
  if (wrap) {
    wrap.hidden = false;
    wrap.addEventListener('click', function () {
      var on = document.body.classList.toggle('wrap');
      wrap.textContent = on ? 'one line per step' : 'show full text';
    });
  }
  var current = null;
  document.querySelector('main').addEventListener('click', function (ev) {
    if (ev.target.closest('a')) { return; }
    var box = ev.target.closest('.box');
    if (!box) { return; }
    var res = box.getAttribute('data-res');
    var next = (res && res !== current) ? res : null;
    document.querySelectorAll('.box.hl').forEach(function (b) { b.classList.remove('hl'); });
    if (next) {
      document.querySelectorAll('.box').forEach(function (b) {
        if (b.getAttribute('data-res') === next) { b.classList.add('hl'); }
      });
    }
    current = next;
  });
  document.body.dataset.rendered = errors.length === 0 ? 'ok' : 'errors';
})();
""";

    /// <summary>CSP source for <see cref="Script"/>: only a script with exactly this text may run.</summary>
    public static string ScriptHashSource { get; } =
        "'sha256-" + Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(Script))) + "'";
}
