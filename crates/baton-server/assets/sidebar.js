// The sidebar's keyboard shortcuts: Alt+ArrowDown / Alt+ArrowUp open the next or previous
// conversation in the sidebar's order (channels, then direct conversations), Alt+Shift+ArrowDown
// / Alt+Shift+ArrowUp the next or previous one with unread messages; both wrap around. The open
// conversation is the link with `aria-current`; from a page that is none, Down starts at the
// first and Up at the last. Without the script the sidebar's links work as links.
(function () {
  "use strict";
  var details = document.getElementById("sidebar");
  if (!details) return;

  // A wide window shows the sidebar beside the page (app.css, `::details-content`); a browser
  // that cannot style it gets the list opened instead.
  var wide = window.matchMedia("(min-width: 56rem)");
  var styled = window.CSS && CSS.supports && CSS.supports("selector(::details-content)");
  if (!styled && wide.matches) details.open = true;

  function links() {
    return Array.prototype.slice.call(document.querySelectorAll("#side-nav a.side-link[data-conv]"));
  }

  // The link `step` (1 or -1) away from the open conversation, only those with unread messages
  // when `unreadOnly`; none when there is no such other link.
  function target(step, unreadOnly) {
    var all = links();
    if (all.length === 0) return null;
    var at = -1;
    for (var i = 0; i < all.length; i++) {
      if (all[i].hasAttribute("aria-current")) { at = i; break; }
    }
    if (at < 0) at = step > 0 ? -1 : all.length;
    for (var n = 1; n <= all.length; n++) {
      var index = ((at + step * n) % all.length + all.length) % all.length;
      var link = all[index];
      if (index === at) return null;
      if (!unreadOnly || Number(link.dataset.unread) > 0) return link;
    }
    return null;
  }

  document.addEventListener("keydown", function (e) {
    if (!e.altKey || e.ctrlKey || e.metaKey || e.defaultPrevented) return;
    if (e.key !== "ArrowDown" && e.key !== "ArrowUp") return;
    var link = target(e.key === "ArrowDown" ? 1 : -1, e.shiftKey);
    e.preventDefault();
    if (link) window.location.assign(link.href);
  });
})();
