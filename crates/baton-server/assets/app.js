// Keeps the lists of a page current by listening to the event stream (the session cookie signs
// the WebSocket in). A thread's messages, or a direct conversation's timeline, change one message
// at a time: a new message is appended and a changed one replaced, each rendered by the server
// (the list's fragment `?after=` the newest shown, and `/{id}` for one message), and the messages
// already shown stay as they are. Unread counts (the sidebar's, the channel list's, the inbox's)
// change from a small JSON of the counts alone (`/sidebar/counts`), fetched a moment after
// messages arrive; the sidebar and the channel list are re-fetched whole only when a channel or
// a conversation appears, changes or goes. A channel's or a conversation's threads are still
// re-fetched whole. The stream is focused on what the page shows (`data-focus`): the server
// leaves the rest out and says so at most once a second. Pages work without it.
(function () {
  "use strict";
  var body = document.body;
  var live = body.dataset.live;
  var id = Number(body.dataset.id);
  var since = Number(body.dataset.since) || 0;
  // What the page shows: the stream carries that in full and notes the rest ("stream.skipped").
  var focus = body.dataset.focus || "";
  var me = Number(body.dataset.me) || 0;
  var sidebar = document.getElementById("side-nav");
  if (live && !id && live !== "channels") live = "";
  if (!live && !sidebar) return;

  // Every fetch runs after the one before, in the order of the events that asked for it: a new
  // message is on the page before its edit is fetched, and no answer overtakes an earlier one.
  // A job already waiting is not queued again: it fetches when it runs, so it sees the later
  // change too.
  var queue = Promise.resolve();
  var waiting = {};
  function enqueue(key, job) {
    if (waiting[key]) return;
    waiting[key] = true;
    queue = queue.then(function () {
      waiting[key] = false;
      return job();
    }).catch(function () {});
  }

  // A fragment's HTML, and whether its Link header names more (rel="next"). A redirect means
  // the session ended (to the sign-in page): nothing to show.
  function get(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } }).then(function (r) {
      if (!r.ok || r.redirected) throw new Error(url + " answered " + r.status);
      return r.text().then(function (html) {
        return { html: html, more: /rel="next"/.test(r.headers.get("Link") || "") };
      });
    });
  }

  function refresh(target, fragment) {
    enqueue(fragment, function () {
      return get(fragment).then(function (answer) {
        var element = document.getElementById(target);
        if (element) element.innerHTML = answer.html;
      });
    });
  }

  // The small lists, re-fetched whole when an event may change them.
  function shownThread(threadId) {
    return !!document.querySelector('#threads [data-thread="' + threadId + '"]');
  }
  function inDmThreads(event, p, message) {
    if (event.kind.indexOf("thread.") === 0) return p.dm_id === id || shownThread(p.thread_id);
    return event.kind.indexOf("message.") === 0 && shownThread(p.thread_id || message.thread_id);
  }
  var lists = {
    dm: [["threads", "/dms/" + id + "/threads", inDmThreads]],
    channel: [["threads", "/c/" + id + "/threads", function (event, p) {
      return (event.kind.indexOf("thread.") === 0 && (p.channel_id === id || p.thread_id)) ||
        event.kind === "message.posted";
    }]],
    // The channel list's names change with channels; its counts come with the sidebar's.
    channels: [["channels", "/channels", function (event) {
      return event.kind.indexOf("channel.") === 0;
    }]]
  }[live] || [];

  // ---- Unread counts -------------------------------------------------------------------------

  // The conversation the sidebar marks as open, kept when the sidebar is fetched again.
  var marked = sidebar && sidebar.querySelector("a.side-link[aria-current]");
  var markedKey = marked ? marked.dataset.conv : "";
  var markedHow = marked ? marked.getAttribute("aria-current") : "";

  // Whether an event may change a count: a message by someone else arrives, goes or moves, or a
  // notification (a mention) is delivered. The viewer's own messages never count as unread.
  function changesCounts(event, message) {
    switch (event.kind) {
      case "message.posted": return message.author_id !== me;
      case "message.deleted":
      case "message.moved":
      case "notification.delivered":
        return true;
    }
    return false;
  }
  // Whether an event changes what the sidebar lists: a channel or conversation appears, is
  // renamed or archived, or the viewer joins or leaves one; a member's new handle names a
  // conversation.
  function changesSidebar(event) {
    return event.kind.indexOf("channel.") === 0 || event.kind.indexOf("dm.") === 0 || event.kind === "member.updated";
  }

  // One badge group as the server renders it (web/sidebar.rs, `badges`).
  function badges(count) {
    var group = document.createElement("span");
    group.className = "side-badges";
    var unread = count ? count.unread : 0, mentions = count ? count.mentions : 0;
    if (mentions > 0) {
      var at = document.createElement("span");
      at.className = "mention-mark";
      at.setAttribute("aria-hidden", "true");
      at.textContent = "@";
      group.appendChild(at);
    }
    if (unread > 0) {
      var n = document.createElement("span");
      n.className = "unread-count";
      n.setAttribute("aria-hidden", "true");
      n.textContent = unread > 99 ? "99+" : String(unread);
      group.appendChild(n);
    }
    if (unread > 0 || mentions > 0) {
      var said = document.createElement("span");
      said.className = "visually-hidden";
      said.textContent = (unread > 0 ? ", " + unread + " unread" : "") + (mentions > 0 ? ", mentions you" : "");
      group.appendChild(said);
    }
    return group;
  }
  // The channel list's badge (web/channels.rs, `unread_badge`): the count, or nothing.
  function listBadge(item, unread) {
    var old = item.querySelector(":scope > .unread-count");
    var text = unread > 99 ? "99+" : String(unread);
    if (unread <= 0) {
      if (old) old.remove();
      return;
    }
    if (old) {
      if (old.textContent !== text) old.textContent = text;
      old.setAttribute("aria-label", unread + " unread");
      return;
    }
    var badge = document.createElement("span");
    badge.className = "unread-count";
    badge.setAttribute("aria-label", unread + " unread");
    badge.textContent = text;
    var link = item.querySelector("a.channel");
    item.insertBefore(badge, link ? link.nextSibling : item.firstChild);
    item.insertBefore(document.createTextNode(" "), badge);
  }

  // Puts the counts in place: only the badges whose numbers changed are touched.
  function showCounts(counts) {
    var withUnread = 0;
    if (sidebar) {
      sidebar.querySelectorAll("a.side-link[data-conv]").forEach(function (link) {
        var key = link.dataset.conv;
        var count = (key[0] === "c" ? counts.channels : counts.dms)[key.slice(1)];
        var unread = count ? count.unread : 0;
        if (unread > 0) withUnread += 1;
        var fresh = badges(count);
        var old = link.querySelector(".side-badges");
        if (old && old.innerHTML === fresh.innerHTML) return;
        link.dataset.unread = String(unread);
        if (old) old.replaceWith(fresh); else link.appendChild(fresh);
      });
      var total = document.querySelector("#sidebar .side-total");
      if (total) total.textContent = withUnread > 0 ? " · " + withUnread + " with unread" : "";
    }
    var list = document.getElementById("channels");
    if (list) {
      list.querySelectorAll("li[data-channel]").forEach(function (item) {
        var count = counts.channels[item.dataset.channel];
        listBadge(item, count ? count.unread : 0);
      });
    }
    var inbox = document.getElementById("nav-inbox");
    if (inbox) {
      var badge = inbox.querySelector(".unread-count");
      var n = counts.inbox;
      if (n <= 0) {
        if (badge) badge.remove();
      } else {
        if (!badge) {
          badge = document.createElement("span");
          badge.className = "unread-count";
          inbox.appendChild(document.createTextNode(" "));
          inbox.appendChild(badge);
        }
        badge.setAttribute("aria-label", n + " unread");
        badge.textContent = n >= 100 ? "99+" : String(n);
      }
    }
  }

  // Counts are fetched a moment after what changed them, so that a burst of messages costs one
  // fetch, and at most one every few seconds; in the queue, so after this page's own list has
  // fetched (and so marked read) the messages it shows.
  var COUNTS_DELAY = 700, COUNTS_EVERY = 3000;
  var countsTimer = null, countsLast = 0;
  function scheduleCounts() {
    if (countsTimer) return;
    var wait = Math.max(COUNTS_DELAY, countsLast + COUNTS_EVERY - Date.now());
    countsTimer = setTimeout(function () {
      countsTimer = null;
      countsLast = Date.now();
      enqueue("counts", function () {
        return fetch("/sidebar/counts", { credentials: "same-origin", headers: { Accept: "application/json" } })
          .then(function (r) {
            if (!r.ok || r.redirected) throw new Error("/sidebar/counts answered " + r.status);
            return r.json();
          })
          .then(showCounts);
      });
    }, wait);
  }

  // The whole sidebar again, the open conversation marked as it was.
  function refreshSidebar() {
    var fragment = "/sidebar?current=" + encodeURIComponent(markedKey) + (markedHow === "true" ? "&within=true" : "");
    enqueue("sidebar", function () {
      return get(fragment).then(function (answer) {
        var template = document.createElement("template");
        template.innerHTML = answer.html;
        var fresh = template.content.getElementById("side-nav");
        var old = document.getElementById("side-nav");
        if (fresh && old) {
          old.replaceWith(fresh);
          sidebar = fresh;
          var total = document.querySelector("#sidebar .side-total");
          var freshTotal = template.content.querySelector(".side-total");
          if (total && freshTotal) total.textContent = freshTotal.textContent;
        }
      });
    });
  }

  // The messages of a thread's or a conversation's page, item by item. Each item is an
  // `li.message` with `id="m{message id}"`; the list is oldest first, or newest first where it
  // says `data-order="newest-first"` (a channel's timeline).
  var messages = (live === "thread" || live === "dm") ? document.getElementById("messages") : null;
  var fragment = messages && messages.dataset.fragment;
  var newestFirst = !!messages && messages.dataset.order === "newest-first";

  function messageId(element) {
    var match = /^m(\d+)$/.exec(element.id || "");
    return match ? Number(match[1]) : 0;
  }
  function shown(messageIdNumber) {
    var element = document.getElementById("m" + messageIdNumber);
    return element && element.parentNode === messages ? element : null;
  }
  function newestShown() {
    var newest = 0;
    for (var item = messages.firstElementChild; item; item = item.nextElementSibling) {
      newest = Math.max(newest, messageId(item));
    }
    return newest;
  }
  // The message items of a fragment's HTML (anything else, e.g. an error page, is dropped).
  function parse(html) {
    var template = document.createElement("template");
    template.innerHTML = html;
    return Array.prototype.filter.call(template.content.children, function (element) {
      return messageId(element) > 0;
    });
  }
  // Puts a new item in its place by id, so that items arriving out of order still read in order.
  function insert(item) {
    var n = messageId(item);
    var empty = messages.querySelector("li.empty");
    if (empty) empty.remove();
    if (newestFirst) {
      var next = messages.firstElementChild;
      while (next && messageId(next) > n) next = next.nextElementSibling;
      messages.insertBefore(item, next);
    } else {
      var before = messages.lastElementChild;
      while (before && messageId(before) > n) before = before.previousElementSibling;
      messages.insertBefore(item, before ? before.nextSibling : messages.firstChild);
    }
  }

  // Whether the viewer follows the conversation's end: the page scrolled to its bottom, or the
  // list's last message in view. Only then does an append scroll; otherwise nothing jumps.
  function following() {
    if (newestFirst) return null;
    var page = document.documentElement;
    if (window.innerHeight + window.scrollY >= page.scrollHeight - 4) return "page";
    if (messages.getBoundingClientRect().bottom <= window.innerHeight + 4) return "list";
    return null;
  }
  function keepFollowing(how) {
    if (how === "page") {
      window.scrollTo(0, document.documentElement.scrollHeight);
    } else if (how === "list") {
      var below = messages.getBoundingClientRect().bottom - window.innerHeight;
      if (below > 0) window.scrollBy(0, below);
    }
  }

  // New messages: those after the newest shown, each added once.
  function append() {
    enqueue("append", function () {
      return get(fragment + "?after=" + newestShown()).then(function (answer) {
        var fresh = parse(answer.html).filter(function (item) { return !shown(messageId(item)); });
        if (fresh.length) {
          var how = following();
          fresh.forEach(insert);
          keepFollowing(how);
        }
        if (answer.more) append();
      });
    });
  }

  // One message changed (an edit, a reaction, a deletion): its item alone is replaced. Also
  // queued for a message newer than the shown ones, which may be on its way in: by the time
  // this runs it is on the page, or it is another list's.
  function patch(changed) {
    if (!changed || !(shown(changed) || changed > newestShown())) return;
    enqueue("patch " + changed, function () {
      if (!shown(changed)) return null;
      return get(fragment + "/" + changed).then(function (answer) {
        var item = parse(answer.html)[0];
        var old = shown(changed);
        if (item && old && messageId(item) === changed) old.replaceWith(item);
      });
    });
  }

  // A message moved from a timeline into a thread: it leaves this list, or, on that thread's
  // page, takes its place in it.
  function moved(p) {
    var movedId = p.message_id;
    if (live === "thread" && p.thread_id === id) {
      enqueue("move " + movedId, function () {
        if (shown(movedId)) return null;
        return get(fragment + "/" + movedId).then(function (answer) {
          var item = parse(answer.html)[0];
          if (item && !shown(movedId)) insert(item);
        });
      });
    } else {
      enqueue("move " + movedId, function () {
        var old = shown(movedId);
        if (old) old.remove();
      });
    }
  }

  function followMessages(event, p, message) {
    if (!messages || !fragment) return;
    switch (event.kind) {
      case "message.posted":
        if (live === "thread" ? message.thread_id === id : message.dm_id === id) append();
        break;
      case "message.edited":
      case "message.deleted":
      case "reaction.added":
      case "reaction.removed":
        patch(p.message_id);
        break;
      case "message.moved":
        moved(p);
        break;
    }
  }

  var delay = 500;
  function connect() {
    var scheme = location.protocol === "https:" ? "wss:" : "ws:";
    var socket = new WebSocket(scheme + "//" + location.host + "/api/v1/stream?since=" + since +
      (focus ? "&focus=" + encodeURIComponent(focus) : ""));
    socket.onopen = function () { delay = 500; };
    socket.onmessage = function (frame) {
      var event;
      try { event = JSON.parse(frame.data); } catch (e) { return; }
      if (event.seq) since = event.seq;
      var p = event.payload || {};
      // Events the page does not show were left out; messages among them may change counts.
      if (event.kind === "stream.skipped") {
        if (p.messages) scheduleCounts();
        return;
      }
      var message = p.message || {};
      if (live) followMessages(event, p, message);
      lists.forEach(function (list) {
        if (list[2](event, p, message)) refresh(list[0], list[1]);
      });
      if (sidebar && changesSidebar(event)) refreshSidebar();
      else if (changesCounts(event, message)) scheduleCounts();
    };
    socket.onclose = function () {
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 15000);
    };
  }
  connect();
})();
