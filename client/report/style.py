"""The report page's style sheet: inline in the page (no external resource), readable on a phone."""

from __future__ import annotations

__all__ = ["CJK_FONTS", "CSS"]

# Simplified Chinese faces that ship with each platform, so the page needs no web font: PingFang SC and Hiragino
# Sans GB (iOS, macOS), Microsoft YaHei (Windows), Noto Sans CJK SC / Source Han Sans SC (Android, most Linux
# desktops), Noto Sans SC, WenQuanYi Micro Hei (older Linux), Droid Sans Fallback (older Android); then the generic
# family. They follow the Latin system faces so Latin text keeps its platform look; html lang="zh-CN" makes the
# browser's own fallback pick Simplified Chinese glyphs too.
CJK_FONTS = (
    '"PingFang SC","Hiragino Sans GB","Microsoft YaHei","Noto Sans CJK SC","Source Han Sans SC","Noto Sans SC",'
    '"WenQuanYi Micro Hei","Droid Sans Fallback"'
)
_MONO = f"ui-monospace,SFMono-Regular,Menlo,Consolas,{CJK_FONTS},monospace"

CSS = """
:root{--ink:#1d2330;--muted:#5b6473;--line:#dde2ea;--bg:#f5f7fa;--card:#fff;--ok:#1f7a3f;--bad:#b42318;
--yes:#2e8b57;--no:#c0392b;--abst:#8a94a6;--win:#2563eb;--run:#d97706;--plain:#94a3b8}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);line-height:1.55;
font-family:-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,CJK_FONTS,sans-serif;font-size:16px}
main{max-width:760px;margin:0 auto;padding:16px}
header .brand{color:var(--muted);font-size:.9rem;margin:8px 0 4px}
h1{font-size:1.6rem;margin:0 0 8px;overflow-wrap:anywhere}
h2{font-size:1.15rem;margin:0 0 12px}
h3{font-size:1rem;margin:16px 0 8px;color:var(--muted)}
.meta{color:var(--muted);font-size:.9rem;overflow-wrap:anywhere}
.card{background:var(--card);border:1px solid var(--line);border-radius:12px;padding:16px;margin:16px 0}
.question{font-size:1.1rem;overflow-wrap:anywhere}
.desc{white-space:pre-wrap;color:var(--muted);overflow-wrap:anywhere}
.alert{background:#fef3f2;border:2px solid var(--bad);color:var(--bad);border-radius:12px;padding:16px;margin:16px 0}
.alert strong{font-size:1.25rem;display:block}
.okbar{background:#ecfdf3;border:1px solid #abefc6;color:var(--ok);border-radius:12px;padding:12px 16px;margin:16px 0}
.headline{font-size:2rem;font-weight:700;margin:4px 0;overflow-wrap:anywhere}
.headline.passed,.headline.elected{color:var(--ok)}
.headline.not_passed,.headline.void,.headline.unverified{color:var(--bad)}
.headline.runoff{color:var(--run)}
.headline.pending{color:var(--muted)}
.untrusted .headline{color:var(--muted);text-decoration:line-through}
.claimed{color:var(--bad);font-weight:700}
.line-elected{font-size:1.2rem;font-weight:700;margin:4px 0;overflow-wrap:anywhere}
.line-runoff{font-size:1.05rem;color:var(--run);font-weight:600;margin:4px 0;overflow-wrap:anywhere}
.untrusted .line-elected,.untrusted .line-runoff{color:var(--muted)}
.untrusted svg,.untrusted table{opacity:.45}
.rule{color:var(--muted);font-size:.9rem}
.reason{font-size:.85rem;color:var(--muted);overflow-wrap:anywhere}
.base{color:var(--muted);font-size:.8rem;margin:0}
.accepted,.exposed{color:var(--bad);font-weight:600}.hidden{color:var(--ok)}
ul.forced{margin:4px 0;padding-left:1.2em}.original{color:var(--muted)}
svg{display:block;width:100%;max-width:460px;height:auto;margin:8px 0}
svg text{font-family:inherit}
.b-yes{fill:var(--yes)}.b-no{fill:var(--no)}.b-abstain{fill:var(--abst)}.b-win{fill:var(--win)}
.b-runoff{fill:var(--run)}.b-plain{fill:var(--plain)}.b-track{fill:#eef1f5}.b-turnout{fill:var(--win)}
.b-mark{stroke:var(--ink);stroke-width:2;stroke-dasharray:4 3}
.t-label{font-size:14px;fill:var(--ink)}.t-value{font-size:13px;fill:var(--muted)}
table{border-collapse:collapse;width:100%;font-size:.95rem}
th,td{text-align:left;padding:6px 8px;border-bottom:1px solid var(--line);vertical-align:top;overflow-wrap:anywhere}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
ol.steps{padding-left:0;list-style:none;margin:0}
ol.steps li{padding:8px 0;border-bottom:1px solid var(--line)}
.mark{display:inline-block;min-width:3.2em;font-weight:700}
.pass .mark{color:var(--ok)}.fail .mark{color:var(--bad)}
.detail{display:block;color:var(--muted);font-size:.85rem;overflow-wrap:anywhere}
.error{display:block;color:var(--bad);font-size:.85rem;overflow-wrap:anywhere}
pre{background:#0f172a;color:#e2e8f0;border-radius:8px;padding:12px;overflow-x:auto;font-size:.85rem;margin:6px 0 14px}
code{font-family:MONO}
dl{display:grid;grid-template-columns:minmax(8em,max-content) 1fr;gap:6px 12px;margin:0;font-size:.9rem}
dt{color:var(--muted)}dd{margin:0;overflow-wrap:anywhere;font-family:MONO}
.fp{font-weight:700;letter-spacing:.05em}.fp-note{display:block;color:var(--muted);font-family:inherit}
footer{color:var(--muted);font-size:.8rem;text-align:center;margin:24px 0}
@media (max-width:480px){main{padding:10px}.card{padding:12px}h1{font-size:1.35rem}.headline{font-size:1.6rem}
dl{grid-template-columns:1fr}dd{margin-bottom:6px}}
""".replace("CJK_FONTS", CJK_FONTS).replace("MONO", _MONO)
