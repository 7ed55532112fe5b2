// Static search: every query term (case-insensitive substring, so Chinese words match
// without segmentation) must occur in a paper's title, keywords or summary.
// The index: one script per month (static/search/YYYY-MM.js, newest first) pushes its records
// [{id, title, date, url, text}] onto window.PD_SEARCH_SHARDS; a paper listed in several
// months is kept once (its newest record).
// Results are built with textContent only: no indexed text is ever parsed as HTML.
(function () {
  "use strict";
  var MAX = 100;
  function terms(query) {
    var out = [], re = /"([^"]+)"|(\S+)/g, m;
    while ((m = re.exec(query)) !== null) {
      var t = (m[1] || m[2] || "").toLowerCase().trim();
      if (t) out.push(t);
    }
    return out;
  }
  function snippet(text, term) {
    var lower = text.toLowerCase(), at = lower.indexOf(term);
    if (at < 0) return [text.slice(0, 120), "", ""];
    var start = Math.max(0, at - 40), end = Math.min(text.length, at + term.length + 60);
    return [(start > 0 ? "…" : "") + text.slice(start, at), text.slice(at, at + term.length),
            text.slice(at + term.length, end) + (end < text.length ? "…" : "")];
  }
  var all = null;
  function documents() {
    if (all) return all;
    all = [];
    var seen = {}, shards = window.PD_SEARCH_SHARDS || [];
    for (var s = 0; s < shards.length; s++) {
      for (var k = 0; k < shards[s].length; k++) {
        var d = shards[s][k];
        if (!Object.prototype.hasOwnProperty.call(seen, d.id)) { seen[d.id] = 1; all.push(d); }
      }
    }
    return all;
  }
  function run(query, list, status) {
    var docs = documents();
    var ts = terms(query);
    while (list.firstChild) list.removeChild(list.firstChild);
    if (!ts.length) { status.textContent = ""; return; }
    var found = 0;
    for (var i = 0; i < docs.length && found < MAX; i++) {
      var d = docs[i], hay = d.lower || (d.lower = (d.title + "\n" + d.text).toLowerCase());
      var ok = true;
      for (var j = 0; j < ts.length; j++) { if (hay.indexOf(ts[j]) < 0) { ok = false; break; } }
      if (!ok) continue;
      found++;
      var li = document.createElement("li");
      li.setAttribute("data-arxiv-id", d.id);
      var a = document.createElement("a");
      a.href = d.url; a.textContent = d.title;
      var when = document.createElement("span");
      when.className = "where"; when.textContent = " " + d.date;
      var p = document.createElement("p"), parts = snippet(d.text, ts[0]);
      p.className = "snippet";
      p.appendChild(document.createTextNode(parts[0]));
      if (parts[1]) { var mk = document.createElement("mark"); mk.textContent = parts[1]; p.appendChild(mk); }
      p.appendChild(document.createTextNode(parts[2]));
      li.appendChild(a); li.appendChild(when); li.appendChild(p);
      list.appendChild(li);
    }
    status.textContent = found ? found + (found >= MAX ? "+" : "") : status.getAttribute("data-none");
  }
  document.addEventListener("DOMContentLoaded", function () {
    var input = document.getElementById("q"), list = document.getElementById("results");
    var status = document.getElementById("search-status");
    if (!input || !list || !status) return;
    var params = new URLSearchParams(window.location.search);
    if (params.get("q")) input.value = params.get("q");
    var timer = null;
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { run(input.value, list, status); }, 120);
    });
    input.form.addEventListener("submit", function (e) { e.preventDefault(); run(input.value, list, status); });
    run(input.value, list, status);
  });
})();
