// Live notifications: a websocket per signed-in page (/ws/notifications/) that brings each
// new notification as it is created (campaign launched, mention, SLA warning): the inbox
// badge counts up and a toast says what happened, without reloading. Reconnects with
// backoff; the server catches a reconnecting page up from the newest id it has shown.
(function () {
  "use strict";
  var body = document.body;
  var path = body.getAttribute("data-notifications-socket");
  if (!path || !window.WebSocket) { return; }
  var since = Number(body.getAttribute("data-latest-notification") || 0);
  var seen = {};
  var attempts = 0;

  function badge() {
    var link = document.querySelector("[data-testid=nav-inbox]");
    if (!link) { return null; }
    var count = link.querySelector("[data-testid=unread-count]");
    if (!count) {
      count = document.createElement("span");
      count.className = "badge rounded-pill text-bg-warning";
      count.setAttribute("data-testid", "unread-count");
      count.setAttribute("data-count", "0");
      link.appendChild(document.createTextNode(" "));
      link.appendChild(count);
    }
    return count;
  }

  function bump() {
    var count = badge();
    if (!count) { return; }
    var n = Number(count.getAttribute("data-count") || parseInt(count.textContent, 10) || 0) + 1;
    count.setAttribute("data-count", String(n));
    count.textContent = String(n);
    var hidden = document.createElement("span");
    hidden.className = "visually-hidden";
    hidden.textContent = " unread";
    count.appendChild(hidden);
  }

  function toasts() {
    var box = document.getElementById("live-toasts");
    if (!box) {
      box = document.createElement("div");
      box.id = "live-toasts";
      box.className = "toast-container position-fixed bottom-0 end-0 p-3";
      box.setAttribute("aria-live", "polite");
      body.appendChild(box);
    }
    return box;
  }

  function toast(notification) {
    var el = document.createElement("div");
    el.className = "toast show";
    el.setAttribute("role", "status");
    el.setAttribute("data-testid", "live-toast");
    var inner = document.createElement("div");
    inner.className = "toast-body d-flex align-items-start gap-2";
    var icon = document.createElement("i");
    icon.className = "bi bi-bell text-primary";
    icon.setAttribute("aria-hidden", "true");
    var text = document.createElement(notification.url ? "a" : "span");
    text.textContent = notification.title;
    if (notification.url) { text.href = notification.url; }
    var close = document.createElement("button");
    close.type = "button";
    close.className = "btn-close ms-auto";
    close.setAttribute("aria-label", "Close");
    close.addEventListener("click", function () { el.remove(); });
    inner.appendChild(icon);
    inner.appendChild(text);
    inner.appendChild(close);
    el.appendChild(inner);
    toasts().appendChild(el);
    window.setTimeout(function () { el.remove(); }, 15000);
  }

  function connect() {
    var scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
    var socket = new WebSocket(scheme + "//" + window.location.host + path + "?since=" + since);
    socket.addEventListener("open", function () { attempts = 0; });
    socket.addEventListener("message", function (event) {
      var message;
      try { message = JSON.parse(event.data); } catch (error) { return; }
      if (message.type !== "notification" || seen[message.id]) { return; }
      seen[message.id] = true;
      since = Math.max(since, message.id);
      bump();
      toast(message);
    });
    socket.addEventListener("close", function (event) {
      if (event.code === 4401 || event.code === 4403) { return; }
      attempts += 1;
      window.setTimeout(connect, Math.min(30000, 500 * Math.pow(2, attempts)));
    });
  }
  connect();
})();
