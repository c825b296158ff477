// Baton's only script: keeps a channel's thread list or a thread's messages current by
// listening to the event stream (the session cookie signs the WebSocket in) and re-fetching
// the server-rendered list when something in it changes. Pages work without it.
(function () {
  "use strict";
  var body = document.body;
  var live = body.dataset.live;
  var id = Number(body.dataset.id);
  var since = Number(body.dataset.since) || 0;
  if (!live || (!id && live !== "channels")) return;
  var target = document.getElementById({ channel: "threads", channels: "channels" }[live] || "messages");
  var fragment = {
    thread: "/t/" + id + "/messages",
    dm: "/dms/" + id + "/messages",
    channel: "/c/" + id + "/threads",
    channels: "/channels"
  }[live];
  var pending = false;

  function concerns(event) {
    var p = event.payload || {};
    var message = p.message || {};
    if (live === "channels") {
      return event.kind === "message.posted" || event.kind.indexOf("channel.") === 0;
    }
    if (live === "thread") {
      return event.kind.indexOf("message.") === 0 && (p.thread_id || message.thread_id) === id;
    }
    if (live === "dm") {
      return event.kind.indexOf("message.") === 0 && (p.dm_id || message.dm_id) === id;
    }
    return (event.kind.indexOf("thread.") === 0 && (p.channel_id === id || p.thread_id)) ||
      event.kind === "message.posted";
  }

  function refresh() {
    if (pending) return;
    pending = true;
    fetch(fragment, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        pending = false;
        if (html !== null) target.innerHTML = html;
      })
      .catch(function () { pending = false; });
  }

  var delay = 500;
  function connect() {
    var scheme = location.protocol === "https:" ? "wss:" : "ws:";
    var socket = new WebSocket(scheme + "//" + location.host + "/api/v1/stream?since=" + since);
    socket.onopen = function () { delay = 500; };
    socket.onmessage = function (message) {
      var event;
      try { event = JSON.parse(message.data); } catch (e) { return; }
      if (event.seq) since = event.seq;
      if (concerns(event)) refresh();
    };
    socket.onclose = function () {
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 15000);
    };
  }
  connect();
})();
