// Light/dark theme: the choice is kept in localStorage; without one the system setting wins.
(function () {
  var root = document.documentElement;
  var saved = null;
  try { saved = localStorage.getItem("pd-theme"); } catch (e) { /* storage off */ }
  if (saved === "dark" || saved === "light") root.setAttribute("data-theme", saved);
  function current() {
    var set = root.getAttribute("data-theme");
    if (set) return set;
    return window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches
      ? "dark" : "light";
  }
  document.addEventListener("DOMContentLoaded", function () {
    var button = document.getElementById("theme-toggle");
    if (!button) return;
    button.addEventListener("click", function () {
      var next = current() === "dark" ? "light" : "dark";
      root.setAttribute("data-theme", next);
      try { localStorage.setItem("pd-theme", next); } catch (e) { /* storage off */ }
    });
  });
})();
