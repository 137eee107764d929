// Live persona pages: Yjs in the browser, synced with the server's room over y-websocket.
//
// The edit page (<form data-live-persona>) becomes a live editor once the room has
// synced: CodeMirror 6 bound to one Y.Text per section (y-codemirror.next), inputs and the
// seniority select bound to the short fields; others' cursors and selections are shown
// with their name in their team's colour. Until then (or without websockets) the page
// stays today's form, saved with the save-time merge.
// The read page (<div data-live-persona-view>) joins the same room to show who is here
// and refreshes the sections when a new version is saved.
//
// Bundled by `python -m portal.vendor` (esbuild from the npm lock); loaded as a file,
// since the CSP allows no inline script. Styles come from classes in app.css only:
// the CSP allows no inline style, so the stock remote-cursor plugin (inline colours) is
// replaced by remoteCursors() below.

import * as Y from "yjs";
import { WebsocketProvider } from "y-websocket";
import * as decoding from "lib0/decoding";
import { EditorState } from "@codemirror/state";
import {
  EditorView,
  ViewPlugin,
  Decoration,
  WidgetType,
  keymap,
  drawSelection,
  placeholder,
} from "@codemirror/view";
import { defaultKeymap, indentWithTab } from "@codemirror/commands";
import { markdown } from "@codemirror/lang-markdown";
import { syntaxHighlighting, defaultHighlightStyle } from "@codemirror/language";
import { yCollab, yUndoManagerKeymap, ySyncAnnotation } from "y-codemirror.next";

const STATUS_MESSAGE = 100; // Tandem's JSON status frames (personas/consumers.py)
const LOCAL = "tandem-local-input";

function socketBase() {
  const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${window.location.host}/ws/personas`;
}

function styleNonce() {
  // CodeMirror writes its base styles into a <style> element: the CSP lets it in with
  // this response's nonce (style-src 'self' 'nonce-…'), nothing else inline.
  const meta = document.querySelector('meta[name="csp-style-nonce"]');
  return meta ? meta.content : "";
}

function decodeBase64(text) {
  const raw = window.atob(text);
  const out = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
  return out;
}

// --- The connection ----------------------------------------------------------------------
class LiveRoom {
  constructor(personaId, { onStatus, onChange }) {
    this.doc = new Y.Doc();
    this.serverClock = 0; // how much of this browser's typing the server has stored
    this.onStatus = onStatus || (() => {});
    this.provider = new WebsocketProvider(socketBase(), String(personaId), this.doc, {
      maxBackoffTime: 4000,
      disableBc: true,
    });
    this.provider.messageHandlers[STATUS_MESSAGE] = (encoder, decoder) => {
      const status = JSON.parse(decoding.readVarString(decoder));
      if (status.type === "stored") {
        const clocks = Y.decodeStateVector(decodeBase64(status.sv));
        this.serverClock = Math.max(this.serverClock, clocks.get(this.doc.clientID) || 0);
      }
      this.onStatus(status);
      onChange && onChange();
    };
    this.provider.on("status", () => onChange && onChange());
    this.provider.on("sync", () => onChange && onChange());
    this.doc.on("update", () => onChange && onChange());
  }

  get connected() {
    return this.provider.wsconnected;
  }

  get localClock() {
    return Y.decodeStateVector(Y.encodeStateVector(this.doc)).get(this.doc.clientID) || 0;
  }

  get saved() {
    return this.connected && this.provider.synced && this.serverClock >= this.localClock;
  }

  text(name) {
    return this.doc.getText(name);
  }
}

// --- Who is here ---------------------------------------------------------------------------
function renderPresence(container, awareness, config) {
  const people = new Map();
  awareness.getStates().forEach((state, clientId) => {
    if (clientId === awareness.clientID || !state || !state.user) return;
    if (state.user.id === config.userId) return; // this person's other tabs
    const key = state.user.id;
    const known = people.get(key);
    if (!known || (!known.field && state.field)) people.set(key, state);
  });
  container.replaceChildren();
  if (people.size === 0) {
    const alone = document.createElement("span");
    alone.className = "small text-body-tertiary";
    alone.textContent = "Only you are here.";
    container.append(alone);
    return;
  }
  const lead = document.createElement("span");
  lead.className = "small text-body-secondary";
  lead.textContent = "Also here:";
  container.append(lead);
  [...people.values()]
    .sort((a, b) => a.user.name.localeCompare(b.user.name))
    .forEach((state) => {
      const badge = document.createElement("span");
      badge.className = `badge rounded-pill presence-person team-${state.user.team}`;
      badge.dataset.testid = "present-person";
      const doing = state.field
        ? ` · editing ${config.labels[state.field] || state.field}`
        : state.user.canEdit
          ? ""
          : " · watching";
      badge.textContent = `${state.user.name}${doing}`;
      badge.title = `${state.user.name} (${state.user.team})`;
      container.append(badge);
    });
}

function takeOverPresence() {
  // The htmx heartbeat polls while the element exists: replace it with a plain one.
  const old = document.getElementById("presence");
  if (!old) return null;
  const bar = document.createElement("div");
  bar.id = "presence";
  bar.className = "mb-3 presence-bar d-flex flex-wrap align-items-center gap-2";
  bar.dataset.testid = "presence";
  old.replaceWith(bar);
  return bar;
}

// --- Others' cursors in a section (classes only: the CSP forbids inline styles) -----------
class CaretWidget extends WidgetType {
  constructor(name, team) {
    super();
    this.name = name;
    this.team = team;
  }
  eq(other) {
    return other.name === this.name && other.team === this.team;
  }
  toDOM() {
    // The name is drawn by CSS (content: attr(data-name)), so it is not part of the text
    // that copying, screen readers or tests read from the editor.
    const caret = document.createElement("span");
    caret.className = `remote-caret team-${this.team}`;
    caret.dataset.name = this.name;
    caret.title = this.name;
    caret.setAttribute("aria-hidden", "true");
    return caret;
  }
  ignoreEvent() {
    return true;
  }
}

function remoteCursors(ytext, awareness, field) {
  return ViewPlugin.fromClass(
    class {
      constructor(view) {
        this.decorations = Decoration.none;
        this.listener = ({ added, updated, removed }) => {
          const others = added.concat(updated, removed).some((id) => id !== awareness.clientID);
          if (others) view.dispatch({});
        };
        awareness.on("change", this.listener);
      }
      destroy() {
        awareness.off("change", this.listener);
      }
      update(update) {
        const doc = ytext.doc;
        const local = awareness.getLocalState();
        if (local) {
          const focused = update.view.hasFocus && document.hasFocus();
          if (focused) {
            const sel = update.state.selection.main;
            const anchor = Y.createRelativePositionFromTypeIndex(ytext, sel.anchor);
            const head = Y.createRelativePositionFromTypeIndex(ytext, sel.head);
            const cursor = local.cursor;
            if (
              !cursor ||
              local.field !== field ||
              !Y.compareRelativePositions(Y.createRelativePositionFromJSON(cursor.anchor), anchor) ||
              !Y.compareRelativePositions(Y.createRelativePositionFromJSON(cursor.head), head)
            ) {
              awareness.setLocalState({ ...local, field, cursor: { anchor, head } });
            }
          }
        }
        const marks = [];
        awareness.getStates().forEach((state, clientId) => {
          if (clientId === awareness.clientID || !state.cursor || !state.user) return;
          const anchor = Y.createAbsolutePositionFromRelativePosition(state.cursor.anchor, doc);
          const head = Y.createAbsolutePositionFromRelativePosition(state.cursor.head, doc);
          if (!anchor || !head || anchor.type !== ytext || head.type !== ytext) return;
          const length = update.state.doc.length;
          const from = Math.min(anchor.index, head.index, length);
          const to = Math.min(Math.max(anchor.index, head.index), length);
          const team = state.user.team;
          if (from < to) {
            marks.push(Decoration.mark({ class: `remote-selection team-${team}` }).range(from, to));
          }
          const at = Math.min(head.index, length);
          marks.push(
            Decoration.widget({ widget: new CaretWidget(state.user.name, team), side: 1 }).range(at),
          );
        });
        this.decorations = Decoration.set(marks, true);
      }
    },
    { decorations: (plugin) => plugin.decorations },
  );
}

// --- Binding fields ----------------------------------------------------------------------
function lengthLimit(max) {
  // Refuse local typing past the model's limit; remote changes always apply.
  return EditorState.transactionFilter.of((tr) =>
    tr.docChanged && !tr.annotation(ySyncAnnotation) && tr.newDoc.length > max ? [] : tr,
  );
}

function mountSection(textarea, room, awareness, label, readOnly) {
  const name = textarea.name;
  const ytext = room.text(name);
  const max = Number(textarea.getAttribute("maxlength")) || 20000;
  const undoManager = new Y.UndoManager(ytext);
  const host = document.createElement("div");
  host.className = "live-section form-control";
  host.dataset.testid = `live-${name}`;
  const labelId = `label-${name}`;
  if (label) {
    label.id = labelId;
    label.removeAttribute("for");
  }
  const view = new EditorView({
    parent: host,
    state: EditorState.create({
      doc: ytext.toString(),
      extensions: [
        keymap.of([...yUndoManagerKeymap, indentWithTab, ...defaultKeymap]),
        drawSelection(),
        EditorView.lineWrapping,
        markdown(),
        syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
        placeholder("Nothing written yet."),
        lengthLimit(max),
        EditorState.readOnly.of(readOnly),
        EditorView.editable.of(!readOnly),
        EditorView.contentAttributes.of({ "aria-labelledby": labelId, "aria-multiline": "true" }),
        EditorView.cspNonce.of(styleNonce()),
        yCollab(ytext, null, { undoManager }),
        remoteCursors(ytext, awareness, name),
        EditorView.focusChangeEffect.of((state, focusing) => {
          const local = awareness.getLocalState();
          if (!focusing && local && local.field === name) {
            awareness.setLocalState({ ...local, field: null, cursor: null });
          }
          return null;
        }),
      ],
    }),
  });
  textarea.replaceWith(host);
  return view;
}

function diffInto(ytext, value) {
  const old = ytext.toString();
  let start = 0;
  while (start < old.length && start < value.length && old[start] === value[start]) start++;
  let endOld = old.length;
  let endNew = value.length;
  while (endOld > start && endNew > start && old[endOld - 1] === value[endNew - 1]) {
    endOld--;
    endNew--;
  }
  ytext.doc.transact(() => {
    if (endOld > start) ytext.delete(start, endOld - start);
    if (endNew > start) ytext.insert(start, value.slice(start, endNew));
  }, LOCAL);
}

function bindInput(input, room, awareness) {
  const ytext = room.text(input.name);
  input.value = ytext.toString();
  input.addEventListener("input", () => diffInto(ytext, input.value));
  input.addEventListener("focus", () => {
    const local = awareness.getLocalState();
    if (local) awareness.setLocalState({ ...local, field: input.name, cursor: null });
  });
  input.addEventListener("blur", () => {
    const local = awareness.getLocalState();
    if (local && local.field === input.name) awareness.setLocalState({ ...local, field: null });
  });
  ytext.observe((event, transaction) => {
    if (transaction.origin === LOCAL) return;
    let start = input.selectionStart ?? 0;
    let end = input.selectionEnd ?? 0;
    let at = 0;
    for (const op of event.delta) {
      if (op.retain) at += op.retain;
      else if (op.insert) {
        const n = op.insert.length;
        if (at < start) start += n;
        if (at < end) end += n;
        at += n;
      } else if (op.delete) {
        if (at < start) start -= Math.min(op.delete, start - at);
        if (at < end) end -= Math.min(op.delete, end - at);
      }
    }
    input.value = ytext.toString();
    if (document.activeElement === input && input.setSelectionRange) {
      input.setSelectionRange(start, end);
    }
  });
}

// --- Status line ---------------------------------------------------------------------------
function statusText(room, failed) {
  if (failed) return ["Not connected: use Save", "text-warning"];
  if (!room.connected) {
    return room.everSynced
      ? ["Offline — your edits are kept", "text-danger"]
      : ["Connecting…", "text-body-secondary"];
  }
  if (!room.provider.synced) return ["Reconnecting…", "text-body-secondary"];
  return room.saved ? ["Synced", "text-success"] : ["Saving…", "text-body-secondary"];
}

// --- The edit page ---------------------------------------------------------------------------
function startEditor(form) {
  const personaId = form.dataset.livePersona;
  const config = JSON.parse(document.getElementById("live-persona-config").textContent);
  const status = document.querySelector("[data-live-status]");
  let mounted = false;
  let dirty = false; // typed into the plain form before the room synced: keep the form
  form.addEventListener("input", () => {
    if (!mounted) dirty = true;
  });
  const update = () => {
    if (!status || !mounted) return;
    const [text, tone] = statusText(room, false);
    status.textContent = text;
    status.className = `small fw-semibold ${tone}`;
  };
  const room = new LiveRoom(personaId, { onChange: update });
  const awareness = room.provider.awareness;
  awareness.setLocalState({ field: null, cursor: null });
  room.provider.on("sync", (synced) => {
    if (!synced) return;
    room.everSynced = true;
    if (mounted) return update();
    if (dirty) {
      room.provider.destroy();
      return;
    }
    mounted = true;
    const presence = takeOverPresence();
    const redraw = () => presence && renderPresence(presence, awareness, config);
    awareness.on("change", redraw);
    redraw();
    for (const name of config.sections) {
      const textarea = form.querySelector(`textarea[name="${name}"]`);
      if (textarea) {
        mountSection(textarea, room, awareness, form.querySelector(`label[for="${textarea.id}"]`), false);
      }
    }
    for (const name of config.lines) {
      const input = form.querySelector(`input[name="${name}"]`);
      if (input) bindInput(input, room, awareness);
    }
    for (const name of config.choices) {
      const select = form.querySelector(`select[name="${name}"]`);
      if (!select) continue;
      const ytext = room.text(name);
      select.value = ytext.toString();
      select.addEventListener("change", () => diffInto(ytext, select.value));
      ytext.observe(() => {
        select.value = ytext.toString();
      });
    }
    form.classList.add("live");
    form.addEventListener("submit", (event) => event.preventDefault());
    document.querySelectorAll("[data-live-hide]").forEach((el) => el.classList.add("d-none"));
    document.querySelectorAll("[data-live-show]").forEach((el) => el.classList.remove("d-none"));
    update();
  });
  window.addEventListener("beforeunload", (event) => {
    if (mounted && !room.saved) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
}

// --- The read page ---------------------------------------------------------------------------
function startViewer(root) {
  const personaId = root.dataset.livePersonaView;
  let shown = Number(root.dataset.version);
  let refreshing = null;
  const config = JSON.parse(document.getElementById("live-persona-config").textContent);
  const refresh = () => {
    refreshing = null;
    fetch(window.location.href, { headers: { "X-Requested-With": "fetch" } })
      .then((response) => (response.ok ? response.text() : null))
      .then((html) => {
        if (!html) return;
        const page = new DOMParser().parseFromString(html, "text/html");
        for (const selector of ["[data-live-sections]", "[data-live-version]"]) {
          const fresh = page.querySelector(selector);
          const current = document.querySelector(selector);
          if (fresh && current) current.replaceWith(document.adoptNode(fresh));
        }
      });
  };
  const room = new LiveRoom(personaId, {
    onStatus: (status) => {
      if (status.type === "saved" && status.version > shown) {
        shown = status.version;
        if (!refreshing) refreshing = window.setTimeout(refresh, 300);
      }
    },
  });
  const awareness = room.provider.awareness;
  awareness.setLocalState({ field: null, cursor: null });
  room.provider.on("sync", (synced) => {
    if (!synced || room.presence) return;
    room.presence = takeOverPresence();
    const redraw = () => renderPresence(room.presence, awareness, config);
    awareness.on("change", redraw);
    redraw();
  });
}

if (window.WebSocket) {
  const form = document.querySelector("form[data-live-persona]");
  if (form) startEditor(form);
  const view = document.querySelector("[data-live-persona-view]");
  if (view) startViewer(view);
}
