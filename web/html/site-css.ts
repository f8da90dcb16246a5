/** The one stylesheet: readable on phones, visible focus, light and dark. Served at `/assets/site.css`. */
export const SITE_CSS = `
:root{--bg:#fbfbfd;--fg:#1b1d24;--muted:#5b6070;--line:#dadde6;--card:#fff;--accent:#3b4fd8;--accent-fg:#fff;--ok:#176b3a;--warn:#8a5a00;--err:#a3162b;color-scheme:light dark}
@media (prefers-color-scheme:dark){:root{--bg:#14161c;--fg:#e9eaf0;--muted:#a5aabb;--line:#2e3240;--card:#1c1f27;--accent:#8e9cff;--accent-fg:#10121a;--ok:#6fd49a;--warn:#f0c060;--err:#ff8a99}}
*{box-sizing:border-box}
html{font-size:100%;-webkit-text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--fg);font:1rem/1.55 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","PingFang SC","Microsoft YaHei",sans-serif}
a{color:var(--accent)}
a:focus-visible,button:focus-visible,input:focus-visible,select:focus-visible,textarea:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:var(--card);padding:.5rem;z-index:2}
header.site,footer.site,main{max-width:46rem;margin:0 auto;padding:1rem}
header.site{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;justify-content:space-between;border-bottom:1px solid var(--line)}
header.site nav,footer.site nav{display:flex;flex-wrap:wrap;gap:.25rem 1rem;align-items:center}
.brand{font-weight:700;font-size:1.15rem;text-decoration:none;color:var(--fg)}
footer.site{border-top:1px solid var(--line);color:var(--muted);font-size:.9rem;margin-top:2rem}
h1{font-size:1.6rem;line-height:1.25;margin:.5rem 0 1rem}h2{font-size:1.2rem;margin:1.75rem 0 .5rem}h3{font-size:1.05rem}
.card{background:var(--card);border:1px solid var(--line);border-radius:.6rem;padding:1rem;margin:0 0 1rem}
.card>:first-child{margin-top:0}.card>:last-child{margin-bottom:0}
.grid{display:grid;gap:1rem;grid-template-columns:repeat(auto-fit,minmax(13rem,1fr))}
.price{font-size:1.4rem;font-weight:700}
.muted{color:var(--muted)}
form.stack{display:grid;gap:.9rem;max-width:28rem}
form.inline{display:inline}
label{display:grid;gap:.25rem;font-weight:600}
label input,label select,label textarea,label .muted{font-weight:400}
label.check{display:flex;gap:.5rem;align-items:flex-start;font-weight:400}
input[type=email],input[type=password],input[type=text],select,textarea{font:inherit;width:100%;padding:.6rem .7rem;border:1px solid var(--line);border-radius:.4rem;background:var(--bg);color:var(--fg)}
input[type=checkbox]{width:1.2rem;height:1.2rem;margin-top:.15rem}
button,.button{font:inherit;font-weight:600;display:inline-block;padding:.6rem 1.1rem;border-radius:.4rem;border:1px solid var(--accent);background:var(--accent);color:var(--accent-fg);cursor:pointer;text-decoration:none;text-align:center}
p>.button,p>button{margin:0 .5rem .5rem 0}
button.secondary,.button.secondary{background:transparent;color:var(--accent)}
button.danger{background:var(--err);border-color:var(--err);color:#fff}
button.link{background:none;border:0;padding:0;color:var(--accent);text-decoration:underline;font-weight:400}
.notice{padding:.7rem .9rem;border-radius:.4rem;border:1px solid var(--line);background:var(--card)}
.notice-error{border-color:var(--err);color:var(--err)}.notice-success{border-color:var(--ok);color:var(--ok)}.notice-info{border-color:var(--accent)}
.table-wrap{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:.95rem}
th,td{text-align:left;padding:.45rem .5rem;border-bottom:1px solid var(--line);vertical-align:top}
.num{text-align:right;font-variant-numeric:tabular-nums}
.balance{font-size:2rem;font-weight:700}
.thumbs{display:grid;gap:.5rem;grid-template-columns:repeat(auto-fill,minmax(7rem,1fr))}
.thumbs img{width:100%;height:auto;border-radius:.4rem;border:1px solid var(--line)}
#job p:empty{display:none}
.showcase figure{margin:0}
.showcase img{width:100%;height:auto;border-radius:.4rem;border:1px solid var(--line)}
.showcase figcaption{font-size:.9rem;color:var(--muted);margin-top:.3rem}
.price{font-weight:600}
.legal h2{margin-top:2rem}.legal li{margin:.2rem 0}
.divider{display:flex;align-items:center;gap:.75rem;color:var(--muted);max-width:28rem}.divider::before,.divider::after{content:"";flex:1;border-top:1px solid var(--line)}
.chart{margin:1.2rem 0}.chart figcaption{font-weight:600;margin-bottom:.3rem}.chart svg{max-width:100%;height:auto;background:var(--card);border:1px solid var(--line);border-radius:.4rem}
.chart svg text{fill:currentColor}.legend{display:flex;flex-wrap:wrap;gap:.8rem;font-size:.9rem;margin:.3rem 0}
main.wide{max-width:72rem}
.gallery{display:grid;gap:1rem;grid-template-columns:repeat(auto-fill,minmax(min(100%,14rem),1fr));padding:0;list-style:none}
.gallery>li{background:var(--card);border:1px solid var(--line);border-radius:.6rem;overflow:hidden;display:flex;flex-direction:column}
.gallery .media{display:block;aspect-ratio:1;background:var(--line)}
.gallery .media img,.gallery .media video{width:100%;height:100%;object-fit:cover;display:block}
.gallery .meta{padding:.6rem .75rem;font-size:.9rem}.gallery .meta p{margin:.15rem 0}
.prompt{overflow-wrap:anywhere}
.placeholder{display:flex;align-items:center;justify-content:center;text-align:center;padding:1rem;color:var(--muted);aspect-ratio:1;background:var(--bg);border:2px dashed var(--line)}
.filters{display:flex;flex-wrap:wrap;gap:.75rem;align-items:end;margin-bottom:1rem}.filters label{min-width:9rem}
.pager{display:flex;gap:1rem;justify-content:space-between;margin:1rem 0}
.large img,.large video{max-width:100%;height:auto;border-radius:.4rem;border:1px solid var(--line);display:block}
.large figure{margin:0 0 1rem}
dl.options{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem}dl.options dt{font-weight:600}dl.options dd{margin:0}
`;
