// belegt web chat: asks /api/ask/stream, shows the answer with [n] markers, the cited
// passages and the source documents. No framework, no build step. All text that comes
// from the server or the user goes into the page through textContent and DOM nodes,
// never through innerHTML: passages may contain markup.

const ABSTAIN_FALLBACK = 'Dazu enthalten die Dokumente keine Aussage.';

// "„Bibliotheken“ kommt in den Dokumenten nicht vor." ('' without words).
function unknownNote(words) {
  if (!words.length) return '';
  const quoted = words.map((w) => `„${w}“`);
  const list = quoted.length > 1 ? `${quoted.slice(0, -1).join(', ')} und ${quoted[quoted.length - 1]}` : quoted[0];
  return `${list} ${quoted.length > 1 ? 'kommen' : 'kommt'} in den Dokumenten nicht vor.`;
}
const MAX_TOPIC_CHARS = 1500; // the server takes up to 2000 characters

// German texts for the server's error codes; the server's own message is added.
const ERROR_TEXTS = {
  empty_question: 'Die Frage ist leer.',
  question_too_long: 'Die Frage ist zu lang (höchstens 2000 Zeichen).',
  unknown_state: 'Unbekanntes Land im Filter.',
  unknown_document: 'Unbekanntes Dokument im Filter.',
  bad_k: 'Die Zahl der Passagen muss zwischen 1 und 50 liegen.',
  bad_json: 'Die Anfrage war kein gültiges JSON.',
  bad_mode: 'Unbekannte Antwortart.',
  llm_not_configured: 'Auf dem Server ist keine KI-Zusammenfassung eingerichtet.',
  bad_fields: 'Die Anfrage hatte unerwartete Felder.',
  bad_request: 'Die Anfrage war ungültig.',
  body_too_large: 'Die Anfrage ist zu groß.',
  unsupported_media_type: 'Die Anfrage hatte den falschen Inhaltstyp.',
  unauthorized: 'Dieser Server verlangt einen gültigen API-Schlüssel.',
  rate_limited: 'Zu viele Anfragen in kurzer Zeit – bitte kurz warten und erneut fragen.',
  method_not_allowed: 'Diese Anfrage ist hier nicht erlaubt.',
  not_found: 'Nicht gefunden.',
  timeout: 'Die Anfrage hat zu lange gedauert. Bitte noch einmal versuchen.',
  not_ready: 'Der Server lädt noch seinen Index. Bitte gleich noch einmal versuchen.',
  internal: 'Auf dem Server ist ein Fehler aufgetreten.',
};

// Words that are four letters or longer but say nothing about the topic; they are not
// highlighted in passages.
const STOPWORDS = new Set([
  'aber', 'alle', 'allen', 'also', 'andere', 'anderen', 'auch', 'bereits', 'beim', 'bitte',
  'dabei', 'damit', 'dann', 'darf', 'darauf', 'darin', 'dass', 'denn', 'dies', 'diese', 'diesem',
  'diesen', 'dieser', 'dieses', 'doch', 'dort', 'durch', 'eine', 'einem', 'einen', 'einer',
  'eines', 'etwa', 'etwas', 'gibt', 'haben', 'hast', 'hatte', 'heute', 'hier', 'ihre', 'ihrem',
  'ihren', 'ihrer', 'immer', 'jede', 'jedem', 'jeden', 'jeder', 'kann', 'keine', 'können',
  'lässt', 'machen', 'macht', 'mehr', 'nach', 'noch', 'nicht', 'oder', 'ohne', 'schon', 'sein',
  'seine', 'sind', 'sollen', 'sollte', 'soll', 'sowie', 'über', 'unter', 'viele', 'vom', 'wann',
  'warum', 'welche', 'welchem', 'welchen', 'welcher', 'welches', 'wenn', 'werden', 'wird',
  'wieso', 'wurde', 'wurden', 'zwischen', 'what', 'which', 'does', 'with', 'that', 'this',
  'they', 'their', 'there', 'were', 'have', 'from', 'about', 'gegen', 'unsere', 'wozu',
]);

const $ = (id) => document.getElementById(id);

const ui = {
  appError: $('app-error'),
  filters: $('filters'),
  filterSummary: $('filter-summary'),
  chips: $('state-chips'),
  clearFilters: $('clear-filters'),
  intro: $('intro'),
  docList: $('doc-list'),
  conversation: $('conversation'),
  form: $('ask-form'),
  input: $('frage'),
  send: $('send'),
  context: $('composer-context'),
  newChat: $('new-chat'),
  viewer: $('viewer'),
  viewerTitle: $('viewer-title'),
  viewerLong: $('viewer-long'),
  viewerMeta: $('viewer-meta'),
  viewerStatus: $('viewer-status'),
  viewerText: $('viewer-text'),
  viewerClose: $('viewer-close'),
  viewerJump: $('viewer-jump'),
  llmToggle: $('llm-toggle'),
  llmMode: $('llm-mode'),
  keyButton: $('key-button'),
  keyDialog: $('key-dialog'),
  keyForm: $('key-form'),
  keyInput: $('key-input'),
  keyRemember: $('key-remember'),
  keyMessage: $('key-message'),
  keyForget: $('key-forget'),
  keyCancel: $('key-cancel'),
};

const state = {
  states: [], // [{code, name, passages, has_report}]
  stateNames: new Map(),
  selected: new Set(), // state codes chosen with the chips
  docs: new Map(), // id → document metadata
  docTexts: new Map(), // id → Promise<{doc, chars}>
  previousQuestion: null, // the question the next one follows up on, as asked
  previousTopic: null, // what is sent as previous_question: the question with its topic
  memoryKey: '', // the API key when storage is blocked
  keyRequired: false, // the server asked for a key
  turnCount: 0,
  busy: false,
  viewerReturnFocus: null,
};

// ---------------------------------------------------------------------------------
// DOM helpers

/** Creates an element; `props.class`, `props.text`, other props become attributes. */
function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key === 'text') node.textContent = value;
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child);
  }
  return node;
}

function showAppError(message) {
  ui.appError.textContent = message;
  ui.appError.hidden = false;
}

// ---------------------------------------------------------------------------------
// HTTP

class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** Turns a non-2xx response into an ApiError with the server's `{error: {code, message}}`. */
async function errorFromResponse(res) {
  let code = `http_${res.status}`;
  let message = res.statusText || 'Unbekannter Fehler';
  try {
    const body = await res.json();
    if (body && body.error) {
      code = body.error.code || code;
      message = body.error.message || message;
    }
  } catch {
    // Not JSON: keep the status text.
  }
  return new ApiError(res.status, code, message);
}

// The API key, when the server asks for one. Kept for this tab (sessionStorage) unless
// the user ticks "remember" (localStorage); sent only to this origin, never shown.
const KEY_STORAGE = 'belegt.apiKey';

function storedKey() {
  try {
    return sessionStorage.getItem(KEY_STORAGE) || localStorage.getItem(KEY_STORAGE) || '';
  } catch {
    return '';
  }
}

function storeKey(key, remember) {
  try {
    sessionStorage.removeItem(KEY_STORAGE);
    localStorage.removeItem(KEY_STORAGE);
    if (key) (remember ? localStorage : sessionStorage).setItem(KEY_STORAGE, key);
  } catch {
    // Storage blocked: the key lives only as long as this page (see memoryKey).
  }
  state.memoryKey = key;
  ui.keyButton.hidden = !key && !state.keyRequired;
}

function currentKey() {
  return state.memoryKey || storedKey();
}

let keyPrompt = null;

/**
 * Opens the key dialog (once, however many requests were refused at the same time) and
 * resolves with the key entered, or null when the user cancels.
 */
function askForKey(message) {
  state.keyRequired = true;
  ui.keyButton.hidden = false;
  if (keyPrompt) return keyPrompt;
  keyPrompt = new Promise((resolve) => {
    ui.keyMessage.textContent = message;
    ui.keyInput.value = '';
    ui.keyForget.hidden = !currentKey();
    const done = (key) => {
      ui.keyForm.removeEventListener('submit', onSubmit);
      ui.keyDialog.removeEventListener('close', onClose);
      if (ui.keyDialog.open) ui.keyDialog.close();
      keyPrompt = null;
      resolve(key);
    };
    const onSubmit = (e) => {
      e.preventDefault();
      const key = ui.keyInput.value.trim();
      if (!key) {
        ui.keyInput.focus();
        return;
      }
      storeKey(key, ui.keyRemember.checked);
      done(key);
    };
    const onClose = () => done(null);
    ui.keyForm.addEventListener('submit', onSubmit);
    ui.keyDialog.addEventListener('close', onClose);
    ui.keyDialog.showModal();
    ui.keyInput.focus();
  });
  return keyPrompt;
}

/** fetch() for the API: sends the key, asks for one on 401 and retries once. */
async function apiFetch(url, init = {}) {
  const send = () => {
    const headers = new Headers(init.headers || {});
    const key = currentKey();
    if (key) headers.set('authorization', `Bearer ${key}`);
    return fetch(url, { ...init, headers });
  };
  const res = await send();
  if (res.status !== 401) return res;
  const err = await errorFromResponse(res);
  const hadKey = Boolean(currentKey());
  const key = await askForKey(hadKey ? 'Der gespeicherte Schlüssel wurde abgelehnt. Bitte geben Sie einen gültigen API-Schlüssel ein.' : 'Dieser Server verlangt einen API-Schlüssel. Sie erhalten ihn von der Stelle, die belegt betreibt.');
  if (!key) throw err;
  return send();
}

async function getJson(url) {
  const res = await apiFetch(url, { headers: { accept: 'application/json' } });
  if (!res.ok) throw await errorFromResponse(res);
  return res.json();
}

async function postJson(url, body, signal) {
  const res = await apiFetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(body),
    signal,
  });
  if (!res.ok) throw await errorFromResponse(res);
  return res.json();
}

function describeError(err) {
  if (err instanceof ApiError) {
    const german = ERROR_TEXTS[err.code];
    const detail = err.status ? `HTTP ${err.status}, ${err.code}: ${err.message}` : `${err.code}: ${err.message}`;
    if (german) return `${german} (${detail})`;
    if (err.status >= 500) return `Der Server hat einen Fehler gemeldet (${detail}).`;
    return `Die Anfrage wurde abgelehnt (${detail}).`;
  }
  if (err instanceof TypeError) return 'Keine Verbindung zum Server. Läuft „belegt serve“?';
  return err && err.message ? err.message : String(err);
}

/**
 * Parses a Server-Sent Events body into {event, data} objects. Handles \n, \r\n and \r
 * line ends, several data lines per event and comment lines (keep-alives).
 */
async function* readSse(body) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let event = 'message';
  let data = [];
  const takeLine = (line) => {
    if (line === '') {
      const out = data.length ? { event, data: data.join('\n') } : null;
      event = 'message';
      data = [];
      return out;
    }
    if (line.startsWith(':')) return null;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
    return null;
  };
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    // A trailing \r may be the first half of \r\n: keep it for the next chunk.
    const re = /\r\n|\r(?!$)|\n/g;
    let start = 0;
    let m;
    while ((m = re.exec(buffer)) !== null) {
      const out = takeLine(buffer.slice(start, m.index));
      start = m.index + m[0].length;
      if (out) yield out;
    }
    buffer = buffer.slice(start);
  }
  if (buffer !== '') {
    const out = takeLine(buffer.replace(/\r$/, ''));
    if (out) yield out;
  }
  const last = takeLine('');
  if (last) yield last;
}

// ---------------------------------------------------------------------------------
// Text helpers

/** The words of `texts` worth highlighting: ≥ 4 letters, no stopwords, longest first. */
function highlightWords(...texts) {
  const words = new Set();
  for (const text of texts) {
    if (!text) continue;
    for (const w of text.match(/[\p{L}\p{N}]+/gu) || []) {
      const lower = w.toLocaleLowerCase('de');
      if (Array.from(lower).length >= 4 && /\p{L}/u.test(lower) && !STOPWORDS.has(lower)) words.add(lower);
    }
  }
  return [...words].sort((a, b) => b.length - a.length);
}

function escapeRegExp(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Appends `text` to `parent`, wrapping every occurrence of one of `words` in <mark>. */
function appendHighlighted(parent, text, words) {
  if (!words.length) {
    parent.append(text);
    return;
  }
  const re = new RegExp(words.map(escapeRegExp).join('|'), 'giu');
  let last = 0;
  for (const m of text.matchAll(re)) {
    if (m.index > last) parent.append(text.slice(last, m.index));
    parent.append(el('mark', { class: 'hl', text: m[0] }));
    last = m.index + m[0].length;
  }
  if (last < text.length) parent.append(text.slice(last));
}

function stateName(code) {
  return state.stateNames.get(code) || code;
}

function selectedStateNames() {
  return [...state.selected].map(stateName);
}

function formatDate(iso) {
  if (!iso) return '';
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  return m ? `${m[3]}.${m[2]}.${m[1]}` : iso;
}

function formatMs(ms) {
  if (typeof ms !== 'number') return '';
  return ms >= 1000 ? `${(ms / 1000).toLocaleString('de-DE', { maximumFractionDigits: 1 })} s` : `${Math.round(ms)} ms`;
}

function slugify(text) {
  const slug = text
    .toLocaleLowerCase('de')
    .replace(/ä/g, 'ae').replace(/ö/g, 'oe').replace(/ü/g, 'ue').replace(/ß/g, 'ss')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .replace(/-+$/g, '');
  return slug || 'antwort';
}

// ---------------------------------------------------------------------------------
// Filters

function renderStates(states) {
  state.states = states;
  ui.chips.replaceChildren();
  for (const s of states) {
    state.stateNames.set(s.code, s.name);
    const chip = el(
      'button',
      {
        type: 'button',
        class: 'chip',
        'aria-pressed': 'false',
        'data-code': s.code,
        title: s.has_report ? `${s.name}: ${s.passages} Passagen` : `${s.name}: kein Bericht in den Dokumenten`,
        disabled: !s.has_report,
      },
      el('span', { class: 'chip-code', text: s.code, 'aria-hidden': 'true' }),
      el('span', { class: 'chip-name', text: s.name }),
    );
    if (!s.has_report) chip.append(el('span', { class: 'chip-note', text: 'kein Bericht' }));
    chip.addEventListener('click', () => toggleState(s.code, chip));
    ui.chips.append(chip);
  }
  updateFilterSummary();
}

function toggleState(code, chip) {
  if (state.selected.has(code)) state.selected.delete(code);
  else state.selected.add(code);
  chip.setAttribute('aria-pressed', String(state.selected.has(code)));
  updateFilterSummary();
}

function clearStates() {
  state.selected.clear();
  for (const chip of ui.chips.querySelectorAll('.chip')) chip.setAttribute('aria-pressed', 'false');
  updateFilterSummary();
}

function updateFilterSummary() {
  const names = selectedStateNames();
  let summary = 'alle Länder';
  if (names.length === 1) summary = names[0];
  else if (names.length === 2) summary = `${names[0]}, ${names[1]}`;
  else if (names.length > 2) summary = `${names.length} Länder`;
  ui.filterSummary.textContent = summary;
  ui.clearFilters.disabled = names.length === 0;
  updateComposerContext();
}

function updateComposerContext() {
  const parts = [];
  const names = selectedStateNames();
  if (names.length) parts.push(`Nur: ${names.join(', ')}`);
  if (state.previousQuestion) parts.push(`Folgefrage zu „${state.previousQuestion}“`);
  ui.context.textContent = parts.join(' · ');
  ui.context.hidden = parts.length === 0;
}

// ---------------------------------------------------------------------------------
// Documents

function renderDocs(docs) {
  ui.docList.replaceChildren();
  for (const d of docs) {
    state.docs.set(d.id, d);
    const meta = [d.publisher, formatDate(d.date)].filter(Boolean).join(', ');
    ui.docList.append(
      el('li', {}, el('strong', { text: d.short_title || d.title }), meta ? ` – ${meta}` : '', el('br'),
        el('span', { class: 'doc-list-title', text: d.title })),
    );
  }
}

function loadDocument(id) {
  if (!state.docTexts.has(id)) {
    const p = getJson(`/api/documents/${encodeURIComponent(id)}`).then((doc) => ({ doc, chars: Array.from(doc.text || '') }));
    p.catch(() => state.docTexts.delete(id));
    state.docTexts.set(id, p);
  }
  return state.docTexts.get(id);
}

// ---------------------------------------------------------------------------------
// Conversation

/** One question and its answer in the conversation. */
class Turn {
  constructor(question, previousQuestion, states) {
    this.number = ++state.turnCount;
    this.question = question;
    this.previousQuestion = previousQuestion;
    this.states = states;
    this.words = highlightWords(question, previousQuestion);
    this.answerText = '';
    this.citations = [];
    this.abstained = false;
    this.filters = null;
    this.result = null;
    this.shown = false; // passages shown at least once
    this.exportUrl = null;
    this.build();
  }

  id(suffix) {
    return `t${this.number}-${suffix}`;
  }

  build() {
    this.statusEl = el('p', { class: 'turn-status', role: 'status' });
    this.errorEl = el('p', { class: 'alert', role: 'alert', hidden: true });
    this.abstainEl = el('div', { class: 'abstain-box', hidden: true },
      el('p', { class: 'abstain-title', text: 'Nichts gefunden' }),
      el('p', { class: 'abstain-text' }),
      el('p', { class: 'abstain-unknown', hidden: true }));
    this.answerEl = el('p', { class: 'answer-text', 'aria-busy': 'true' });
    this.llmNoteEl = el('p', { class: 'llm-note', hidden: true });
    this.filterEl = el('p', { class: 'filter-note', hidden: true });
    this.compareEl = el('div', { class: 'compare', hidden: true });
    this.citeTitleEl = el('h3', { class: 'cites-title', id: this.id('cites'), hidden: true, text: 'Belege' });
    this.citeListEl = el('ol', { class: 'citations', 'aria-labelledby': this.id('cites') });
    this.exportButton = el('button', { type: 'button', class: 'button-secondary export-button', text: 'Als Markdown exportieren' });
    this.exportStatus = el('span', { class: 'export-status', role: 'status' });
    this.downloadLink = el('a', { class: 'download-link', hidden: true });
    this.metaEl = el('span', { class: 'turn-meta' });
    this.actionsEl = el('div', { class: 'turn-actions', hidden: true },
      this.exportButton, this.downloadLink, this.exportStatus, this.metaEl);
    this.exportButton.addEventListener('click', () => this.exportMarkdown());

    const questionBox = el('div', { class: 'question' },
      el('h2', { class: 'visually-hidden', text: `Frage ${this.number}` }),
      el('p', { class: 'question-text', text: this.question }));
    const notes = [];
    if (this.previousQuestion) notes.push(`Folgefrage zu „${this.previousQuestion}“`);
    if (this.states.length) notes.push(`nur ${this.states.map(stateName).join(', ')}`);
    if (notes.length) questionBox.append(el('p', { class: 'question-note', text: notes.join(' · ') }));

    this.root = el('li', { class: 'turn is-pending', id: this.id('turn') },
      questionBox,
      el('section', { class: 'answer', 'aria-label': `Antwort auf Frage ${this.number}` },
        this.statusEl, this.errorEl, this.abstainEl, this.answerEl, this.llmNoteEl, this.filterEl,
        this.compareEl, this.citeTitleEl, this.citeListEl, this.actionsEl));
    this.setStatus('Suche Belege …');
  }

  setStatus(text) {
    this.statusEl.textContent = text;
    this.statusEl.hidden = !text;
  }

  /** Shows the passages (before the answer text arrives when streaming). */
  showCitations(citations, filters, abstained) {
    const first = !this.shown;
    this.shown = true;
    this.citations = citations || [];
    this.filters = filters || null;
    this.abstained = Boolean(abstained);
    this.root.classList.toggle('is-abstained', this.abstained);
    this.citeTitleEl.textContent = this.abstained ? 'Nächstliegende Passagen, kein Beleg' : 'Belege';
    this.citeTitleEl.hidden = this.citations.length === 0;
    this.citeListEl.replaceChildren(...this.citations.map((c) => this.card(c)));
    this.renderFilterNote();
    if (this.abstained) this.abstainEl.hidden = false;
    this.renderAnswer();
    // Bring the new turn to the top once its content is there (the page may have been
    // too short to do so when the question was added).
    if (first) this.root.scrollIntoView({ block: 'start', behavior: 'auto' });
  }

  renderFilterNote() {
    const f = this.filters;
    const parts = [];
    if (f && Array.isArray(f.states) && f.states.length) {
      let text = `Gesucht in: ${f.states.map(stateName).join(', ')}`;
      if (f.detected_from_question && f.reason) text += ` (in der Frage erkannt: ${f.reason})`;
      parts.push(text);
    }
    const contextual = this.result && this.result.contextual_query;
    if (contextual) parts.push(`Gesucht mit dem Thema der vorigen Frage: „${contextual}“`);
    this.filterEl.textContent = parts.join(' · ');
    this.filterEl.hidden = parts.length === 0;
  }

  card(c) {
    const doc = state.docs.get(c.doc);
    const shortTitle = (doc && doc.short_title) || c.doc_title || c.doc;
    const head = el('div', { class: 'card-head' },
      el('span', { class: 'card-num', text: `[${c.n}]` }));
    if (c.state) {
      head.append(el('span', { class: 'state-badge', title: c.state_name || stateName(c.state) },
        el('span', { class: 'state-code', text: c.state }), ` ${c.state_name || stateName(c.state)}`));
    } else {
      head.append(el('span', { class: 'state-badge state-none', text: 'länderübergreifend' }));
    }
    if (this.abstained) head.append(el('span', { class: 'no-evidence', text: 'kein Beleg' }));

    const passage = el('blockquote', { class: 'passage' });
    appendHighlighted(passage, c.text || '', this.words);

    const open = el('button', { type: 'button', class: 'button-secondary open-source', text: 'Im Dokument zeigen' });
    open.addEventListener('click', () => openViewer(c, this.words, open));

    return el('li', { class: 'card', id: this.id(`c${c.n}`), tabindex: '-1', 'data-n': c.n, 'data-state': c.state || '' },
      head,
      el('p', { class: 'card-doc' },
        el('span', { class: 'doc-short', text: shortTitle }),
        c.doc_title && c.doc_title !== shortTitle ? el('span', { class: 'doc-long', text: c.doc_title }) : null),
      c.section ? el('p', { class: 'card-section' }, el('span', { class: 'label', text: 'Abschnitt: ' }), c.section) : null,
      passage,
      el('div', { class: 'card-foot' }, open,
        el('span', { class: 'offsets', text: `Zeichen ${c.start}–${c.end}` })));
  }

  appendAnswer(delta) {
    this.answerText += delta;
    this.setStatus('Antwort wird geschrieben …');
    this.renderAnswer();
  }

  citeRef(n) {
    const ref = el('button', { type: 'button', class: 'cite-ref', 'data-n': n, 'aria-label': `Beleg ${n} zeigen`, text: `[${n}]` });
    ref.addEventListener('click', () => this.focusCard(n));
    return ref;
  }

  /** An LLM answer, sentence by sentence; sentences the passages do not support are marked. */
  renderSentences(sentences) {
    this.answerEl.replaceChildren();
    const known = new Set(this.citations.map((c) => c.n));
    sentences.forEach((s, i) => {
      if (i > 0) this.answerEl.append(' ');
      const span = el('span', { class: s.supported ? 'sentence' : 'sentence is-unsupported' }, s.text || '');
      for (const n of s.citations || []) {
        if (known.has(n)) span.append(' ', this.citeRef(n));
      }
      if (!s.supported) {
        span.append(' ', el('span', { class: 'unsupported-badge', text: (s.citations || []).length ? 'nicht durch die Belege gestützt' : 'ohne Beleg' }));
      }
      this.answerEl.append(span);
    });
    this.answerEl.hidden = sentences.length === 0;
  }

  /** Renders the answer text; `[n]` with a matching passage becomes a button. */
  renderAnswer() {
    const r = this.result;
    if (r && r.mode === 'llm' && Array.isArray(r.sentences) && r.sentences.length && !this.abstained) {
      this.renderSentences(r.sentences);
      return;
    }
    const text = this.abstained ? '' : this.answerText;
    this.answerEl.replaceChildren();
    const known = new Set(this.citations.map((c) => c.n));
    let last = 0;
    for (const m of text.matchAll(/\[(\d+)\]/g)) {
      const n = Number(m[1]);
      if (!known.has(n)) continue;
      if (m.index > last) this.answerEl.append(text.slice(last, m.index));
      this.answerEl.append(this.citeRef(n));
      last = m.index + m[0].length;
    }
    if (last < text.length) this.answerEl.append(text.slice(last));
    this.answerEl.hidden = text === '';
    if (this.abstained) {
      this.abstainEl.querySelector('.abstain-text').textContent = this.answerText.trim() || ABSTAIN_FALLBACK;
    }
  }

  focusCard(n) {
    const card = document.getElementById(this.id(`c${n}`));
    if (!card) return;
    for (const other of document.querySelectorAll('.card.is-highlighted')) other.classList.remove('is-highlighted');
    card.classList.add('is-highlighted');
    const reduce = window.matchMedia('(prefers-reduced-motion: reduce)').matches;
    card.scrollIntoView({ behavior: reduce ? 'auto' : 'smooth', block: 'center' });
    card.focus({ preventScroll: true });
  }

  finish(result) {
    this.result = result;
    this.answerText = result.answer || '';
    // A follow-up was searched with the earlier topic: mark those words too.
    if (result.contextual_query) this.words = highlightWords(this.question, result.contextual_query);
    this.showCitations(result.citations, result.filters, result.abstained);
    this.renderUnknownWords(result);
    this.renderLlmNote(result);
    if (result.comparison && Array.isArray(result.comparison.rows)) {
      this.compareTable = new CompareTable(result.comparison, this.question, (n) => this.focusCard(n));
      this.compareEl.replaceChildren(this.compareTable.root);
      this.compareEl.hidden = false;
    }
    this.answerEl.removeAttribute('aria-busy');
    this.root.classList.remove('is-pending');
    this.root.classList.add('is-done');
    const count = this.citations.length;
    this.setStatus('');
    const parts = [];
    if (this.abstained) parts.push(`nichts gefunden · ${count} nächstliegende Passagen`);
    else parts.push(count === 1 ? '1 Beleg' : `${count} Belege`);
    if (result.timings_ms && typeof result.timings_ms.total === 'number') parts.push(formatMs(result.timings_ms.total));
    this.metaEl.textContent = parts.join(' · ');
    this.actionsEl.hidden = false;
  }

  // Why belegt abstained, when it was for words the documents never use.
  renderUnknownWords(result) {
    const words = Array.isArray(result.unknown_words) ? result.unknown_words : [];
    const note = this.abstainEl.querySelector('.abstain-unknown');
    note.textContent = result.abstained ? unknownNote(words) : '';
    note.hidden = note.textContent === '';
  }

  renderLlmNote(result) {
    let text = '';
    if (result.mode === 'llm') {
      const open = (result.sentences || []).filter((s) => !s.supported).length;
      text = 'KI-Zusammenfassung aus den Belegen. ';
      text += open ? `${open === 1 ? '1 Satz ist' : `${open} Sätze sind`} nicht durch die Belege gestützt (markiert).` : 'Jeder Satz ist durch seine Belege gestützt.';
    } else if (result.llm_error) {
      text = `KI-Zusammenfassung nicht verfügbar (${result.llm_error}); die Antwort besteht aus Sätzen der Belege.`;
    }
    this.llmNoteEl.textContent = text;
    this.llmNoteEl.hidden = !text;
    this.llmNoteEl.classList.toggle('is-warning', Boolean(result.llm_error) || text.includes('nicht durch'));
  }

  fail(err) {
    this.root.classList.remove('is-pending');
    this.root.classList.add('is-error');
    this.answerEl.removeAttribute('aria-busy');
    this.setStatus('');
    this.errorEl.textContent = `Fehler: ${describeError(err)}`;
    this.errorEl.hidden = false;
  }

  markdown() {
    const r = this.result;
    const lines = [`# ${mdInline(this.question)}`, ''];
    if (this.previousQuestion) lines.push(`*Folgefrage zu: „${mdInline(this.previousQuestion)}“*`, '');
    if (r.filters && r.filters.states && r.filters.states.length) {
      lines.push(`*Gesucht in: ${r.filters.states.map(stateName).join(', ')}*`, '');
    }
    lines.push('## Antwort', '');
    const why = this.abstained ? unknownNote(Array.isArray(r.unknown_words) ? r.unknown_words : []) : '';
    lines.push(this.abstained ? `**Nichts gefunden.** ${mdAnswer(r.answer || ABSTAIN_FALLBACK)}${why ? ` ${why}` : ''}` : mdAnswer(r.answer || ''), '');
    if (this.citations.length) {
      lines.push(this.abstained ? '## Nächstliegende Passagen (kein Beleg)' : '## Belege', '');
      for (const c of this.citations) {
        const doc = state.docs.get(c.doc);
        const shortTitle = (doc && doc.short_title) || c.doc_title || c.doc;
        const where = [c.state_name || (c.state ? stateName(c.state) : 'länderübergreifend')];
        let docText = `*${mdInline(shortTitle)}*`;
        if (c.doc_title && c.doc_title !== shortTitle) docText += ` (${mdInline(c.doc_title)})`;
        where.push(docText);
        if (c.section) where.push(`Abschnitt „${mdInline(c.section)}“`);
        where.push(`Zeichen ${c.start}–${c.end}`);
        lines.push(`${c.n}. [${c.n}] ${where.join(', ')}`, '');
        for (const line of (c.text || '').split('\n')) lines.push(line.trim() ? `   > ${mdInline(line)}` : '   >');
        lines.push('');
      }
    }
    const when = new Date().toLocaleString('de-DE', { dateStyle: 'medium', timeStyle: 'short' });
    lines.push('---', '', `Erstellt mit belegt am ${when}. Antworten stammen ausschließlich aus den zitierten Dokumenten.`, '');
    return lines.join('\n');
  }

  async exportMarkdown() {
    if (!this.result) return;
    const md = this.markdown();
    if (this.exportUrl) URL.revokeObjectURL(this.exportUrl);
    this.exportUrl = URL.createObjectURL(new Blob([md], { type: 'text/markdown;charset=utf-8' }));
    const name = `belegt-${slugify(this.question)}.md`;
    this.downloadLink.href = this.exportUrl;
    this.downloadLink.download = name;
    this.downloadLink.textContent = `${name} herunterladen`;
    this.downloadLink.hidden = false;
    try {
      if (!navigator.clipboard || !navigator.clipboard.writeText) throw new Error('no clipboard');
      await navigator.clipboard.writeText(md);
      this.exportStatus.textContent = 'In die Zwischenablage kopiert.';
    } catch {
      this.exportStatus.textContent = 'Kopieren nicht möglich – bitte die Datei herunterladen.';
    }
  }
}

// ---------------------------------------------------------------------------------
// State-by-state comparison

const COMPARE_STATUS = {
  finding: 'Aussage',
  no_statement: 'keine Aussage im Bericht',
  no_report: 'kein Bericht',
};
const STATUS_ORDER = { finding: 0, no_statement: 1, no_report: 2 };

/** Where a row's finding comes from, as one line of text. */
function findingSource(row) {
  const c = row.citation;
  if (!c) return '';
  const doc = state.docs.get(c.doc);
  const shortTitle = (doc && doc.short_title) || c.doc_title || c.doc;
  const parts = [shortTitle];
  if (c.section) parts.push(c.section);
  const start = row.finding_start ?? c.start;
  const end = row.finding_end ?? c.end;
  parts.push(`Zeichen ${start}–${end}`);
  return parts.join(' · ');
}

/** One CSV field (RFC 4180); a leading = + - @ is defused for spreadsheets. */
function csvField(value) {
  let text = String(value ?? '');
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\n\r;]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** A Markdown table cell: one line, pipes escaped. */
function mdCell(text) {
  return mdInline(String(text ?? '').replace(/\s+/g, ' ').trim()).replace(/\|/g, '\\|');
}

/** The comparison as a table with a status filter, a text filter, sorting and export. */
class CompareTable {
  constructor(comparison, question, focusCard) {
    this.comparison = comparison;
    this.question = question;
    this.focusCard = focusCard;
    this.rows = comparison.rows.map((r, i) => ({ ...r, order: i }));
    this.sortKey = 'order';
    this.sortDir = 1;
    this.urls = [];
    this.build();
    this.render();
  }

  build() {
    const counts = this.comparison.counts || {};
    this.statusFilter = el('select', { class: 'compare-status-filter', 'aria-label': 'Zeilen filtern nach Ergebnis' },
      el('option', { value: 'all', text: `Alle Länder (${this.rows.length})` }),
      el('option', { value: 'finding', text: `Mit Aussage (${counts.finding ?? 0})` }),
      el('option', { value: 'no_statement', text: `Keine Aussage im Bericht (${counts.no_statement ?? 0})` }),
      el('option', { value: 'no_report', text: `Kein Bericht (${counts.no_report ?? 0})` }));
    this.textFilter = el('input', { type: 'search', class: 'compare-text-filter', placeholder: 'Land oder Text filtern …', 'aria-label': 'Land oder Text filtern' });
    this.statusFilter.addEventListener('change', () => this.render());
    this.textFilter.addEventListener('input', () => this.render());

    this.headers = {};
    const th = (key, label) => {
      const button = el('button', { type: 'button', class: 'sort-button', 'data-sort': key, text: label });
      button.addEventListener('click', () => this.sortBy(key));
      const cell = el('th', { scope: 'col', 'aria-sort': 'none' }, button);
      this.headers[key] = cell;
      return cell;
    };
    this.body = el('tbody');
    this.table = el('table', { class: 'compare-table' },
      el('caption', { class: 'visually-hidden', text: `Vergleich der Länder: ${this.comparison.topic}` }),
      el('thead', {}, el('tr', {}, th('state', 'Land'), th('status', 'Aussage'), el('th', { scope: 'col', text: 'Beleg' }))),
      this.body);
    this.countEl = el('p', { class: 'compare-count', role: 'status' });

    this.mdButton = el('button', { type: 'button', class: 'button-secondary compare-export-md', text: 'Tabelle als Markdown' });
    this.csvButton = el('button', { type: 'button', class: 'button-secondary compare-export-csv', text: 'Tabelle als CSV' });
    this.link = el('a', { class: 'compare-download', hidden: true });
    this.mdButton.addEventListener('click', () => this.download('md'));
    this.csvButton.addEventListener('click', () => this.download('csv'));

    const translated = (this.comparison.translations || [])
      .map((t) => `${t.word} → ${t.terms.length ? t.terms.join(' / ') : 'keine Entsprechung'}`)
      .join('; ');
    const synonyms = (this.comparison.synonyms || []).length
      ? ` Gleichbedeutend gezählt (OpenThesaurus): ${this.comparison.synonyms.map((s) => `${s.word} = ${s.synonyms.join(', ')}`).join('; ')}.`
      : '';
    const english = (this.comparison.english_words || []).length
      ? ` Englisch geschrieben gezählt (Wörterbuch): ${this.comparison.english_words.map((s) => `${s.word} = ${s.synonyms.join(', ')}`).join('; ')}.`
      : '';
    const judge = this.comparison.judge;
    const note = this.comparison.method === 'llm'
      ? `Die Aussagen wählte das Sprachmodell „${judge.model}“ unter den Sätzen jedes Landes; zitiert wird wörtlich aus den Dokumenten.`
      : this.comparison.method === 'translated'
      ? `Englische Frage, in die Begriffe der Dokumente übertragen (${translated}). Eine Aussage zählt, wenn ein Satz des Landes diese Begriffe enthält.`
      : (this.comparison.unknown_terms || []).length
        ? `Die Dokumente verwenden ${this.comparison.unknown_terms.map((w) => `„${w}“`).join(', ')} nicht; darum hat kein Land eine Aussage zum Thema.`
        : `Eine Aussage zählt, wenn ein Satz des Landes die Begriffe des Themas enthält (${(this.comparison.key_terms || []).join(', ')}).${synonyms}${english}`;
    const failed = judge && judge.error
      ? ` Für ${judge.states_failed} Länder entschied die Begriffsregel, weil das Sprachmodell nicht antwortete.`
      : '';
    const scope = (this.comparison.documents || []).length
      ? ` Verglichen wurden nur die Dokumente, die die Frage nennt: ${this.comparison.documents.map((d) => d.short_title).join('; ')}.`
      : '';
    this.root = el('section', { class: 'compare-box', 'aria-label': 'Vergleich der Länder' },
      el('h3', { class: 'compare-title', text: 'Vergleich der Länder' }),
      el('p', { class: 'compare-summary', text: `${counts.finding ?? 0} mit Aussage · ${counts.no_statement ?? 0} ohne Aussage im Bericht · ${counts.no_report ?? 0} ohne Bericht` }),
      el('p', { class: 'compare-note', text: note + failed + scope }),
      el('div', { class: 'compare-controls' }, this.statusFilter, this.textFilter),
      el('div', { class: 'compare-scroll' }, this.table),
      this.countEl,
      el('div', { class: 'compare-actions' }, this.mdButton, this.csvButton, this.link));
  }

  sortBy(key) {
    if (this.sortKey === key) this.sortDir = -this.sortDir;
    else {
      this.sortKey = key;
      this.sortDir = 1;
    }
    this.render();
  }

  /** The rows the filters let through, in the chosen order. */
  visibleRows() {
    const status = this.statusFilter.value;
    const needle = this.textFilter.value.trim().toLocaleLowerCase('de');
    const rows = this.rows.filter((r) => (status === 'all' || r.status === status)
      && (!needle || `${r.state} ${r.state_name} ${r.finding}`.toLocaleLowerCase('de').includes(needle)));
    const byName = (a, b) => a.state_name.localeCompare(b.state_name, 'de');
    const compare = {
      order: (a, b) => a.order - b.order,
      state: byName,
      status: (a, b) => (STATUS_ORDER[a.status] ?? 9) - (STATUS_ORDER[b.status] ?? 9) || byName(a, b),
    }[this.sortKey];
    return rows.sort((a, b) => this.sortDir * compare(a, b));
  }

  render() {
    for (const [key, cell] of Object.entries(this.headers)) {
      const active = key === this.sortKey;
      cell.setAttribute('aria-sort', active ? (this.sortDir > 0 ? 'ascending' : 'descending') : 'none');
      cell.classList.toggle('is-sorted', active);
    }
    const rows = this.visibleRows();
    this.body.replaceChildren(...rows.map((r) => this.row(r)));
    if (!rows.length) {
      this.body.append(el('tr', {}, el('td', { colspan: '3', class: 'compare-empty', text: 'Kein Land passt zum Filter.' })));
    }
    this.countEl.textContent = `${rows.length} von ${this.rows.length} Ländern`;
  }

  row(r) {
    const finding = el('td', { class: 'compare-finding' });
    if (r.status === 'finding') finding.append(r.finding);
    else finding.append(el('span', { class: 'compare-none', text: r.finding || COMPARE_STATUS[r.status] || '' }));
    const source = el('td', { class: 'compare-source' });
    if (r.citation) {
      const n = r.citation.n;
      const ref = el('button', { type: 'button', class: 'cite-ref', 'data-n': n, 'aria-label': `Beleg ${n} zeigen`, text: `[${n}]` });
      ref.addEventListener('click', () => this.focusCard(n));
      source.append(ref, ' ', el('span', { class: 'compare-where', text: findingSource(r) }));
    }
    return el('tr', { class: `compare-row is-${r.status}`, 'data-state': r.state, 'data-status': r.status },
      el('th', { scope: 'row', class: 'compare-state' },
        el('span', { class: 'state-code', text: r.state }), ` ${r.state_name}`),
      finding, source);
  }

  markdown() {
    const lines = [`# Vergleich der Länder: ${mdInline(this.comparison.topic)}`, '',
      `*Frage: ${mdInline(this.question)}*`, '',
      '| Land | Aussage | Beleg |', '|---|---|---|'];
    for (const r of this.visibleRows()) {
      const cite = r.citation ? `[${r.citation.n}] ${findingSource(r)}` : '';
      lines.push(`| ${mdCell(`${r.state_name} (${r.state})`)} | ${mdCell(r.finding)} | ${mdCell(cite)} |`);
    }
    lines.push('', 'Aussagen sind wörtliche Sätze der zitierten Dokumente (belegt).', '');
    const synonyms = this.comparison.synonyms || [];
    if (synonyms.length) {
      lines.push(`Gleichbedeutend gezählt (OpenThesaurus): ${mdInline(synonyms.map((s) => `${s.word} = ${s.synonyms.join(', ')}`).join('; '))}`, '');
    }
    const english = this.comparison.english_words || [];
    if (english.length) {
      lines.push(`Englisch geschrieben gezählt (Wörterbuch): ${mdInline(english.map((s) => `${s.word} = ${s.synonyms.join(', ')}`).join('; '))}`, '');
    }
    return lines.join('\n');
  }

  csv() {
    const head = ['Land', 'Code', 'Ergebnis', 'Aussage', 'Dokument', 'Abschnitt', 'Start', 'Ende', 'Passage'];
    const lines = [head.map(csvField).join(',')];
    for (const r of this.visibleRows()) {
      const c = r.citation;
      lines.push([r.state_name, r.state, COMPARE_STATUS[r.status] || r.status, r.finding,
        c ? c.doc : '', c ? c.section : '', r.finding_start ?? '', r.finding_end ?? '', c ? c.id : '']
        .map(csvField).join(','));
    }
    return `\uFEFF${lines.join('\r\n')}\r\n`;
  }

  download(kind) {
    const text = kind === 'csv' ? this.csv() : this.markdown();
    const type = kind === 'csv' ? 'text/csv;charset=utf-8' : 'text/markdown;charset=utf-8';
    const name = `belegt-vergleich-${slugify(this.comparison.topic || this.question)}.${kind}`;
    const url = URL.createObjectURL(new Blob([text], { type }));
    this.urls.push(url);
    this.link.href = url;
    this.link.download = name;
    this.link.textContent = `${name} herunterladen`;
    this.link.hidden = false;
    this.link.click();
  }
}

/** Escapes Markdown in plain text (keeps it readable). */
function mdInline(text) {
  return String(text).replace(/[\\`*_<>[\]]/g, '\\$&');
}

/** Like mdInline, but keeps the answer's [n] markers as they are. */
function mdAnswer(text) {
  return mdInline(text).replace(/\\\[(\d+)\\\]/g, '[$1]');
}

async function ask(question) {
  if (state.busy) return;
  const previousQuestion = state.previousQuestion;
  const previousTopic = state.previousTopic;
  const states = [...state.selected];
  const turn = new Turn(question, previousQuestion, states);
  ui.intro.hidden = true;
  ui.conversation.append(turn.root);
  turn.root.scrollIntoView({ block: 'start', behavior: 'auto' });
  setBusy(true);

  const body = { question };
  if (states.length) body.states = states;
  if (previousTopic) body.previous_question = previousTopic;
  if (!ui.llmToggle.hidden) body.mode = ui.llmMode.checked ? 'llm' : 'extractive';

  try {
    const result = await askStreaming(body, turn);
    turn.finish(result);
    state.previousQuestion = question;
    // A follow-up like "Und Berlin?" names no topic itself; the server says what it
    // searched with (contextual_query). The next follow-up builds on that, so that
    // "Und Hessen?" after "Und Berlin?" still knows the topic.
    const topic = result.contextual_query;
    state.previousTopic = typeof topic === 'string' && topic.trim() && topic.length <= MAX_TOPIC_CHARS ? topic : question;
  } catch (err) {
    turn.fail(err);
  } finally {
    setBusy(false);
    updateComposerContext();
  }
}

/** Asks via /api/ask/stream; falls back to /api/ask when the server has no stream. */
async function askStreaming(body, turn) {
  const res = await apiFetch('/api/ask/stream', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify(body),
  });
  if (res.status === 404 || res.status === 405) return postJson('/api/ask', body);
  if (!res.ok) throw await errorFromResponse(res);
  if (!res.body) return postJson('/api/ask', body);

  for await (const { event, data } of readSse(res.body)) {
    let payload;
    try {
      payload = JSON.parse(data);
    } catch {
      throw new Error('Ungültige Antwort vom Server (Stream).');
    }
    if (event === 'citations') {
      turn.showCitations(payload.citations, payload.filters, payload.abstained);
      turn.setStatus(payload.abstained ? 'Keine passende Aussage gefunden …' : 'Antwort wird geschrieben …');
    } else if (event === 'answer') {
      if (typeof payload.delta === 'string') turn.appendAnswer(payload.delta);
    } else if (event === 'done') {
      return payload;
    } else if (event === 'error') {
      const e = payload.error || {};
      throw new ApiError(0, e.code || 'stream_error', e.message || 'Fehler beim Beantworten.');
    }
  }
  throw new Error('Die Verbindung brach ab, bevor die Antwort vollständig war.');
}

function setBusy(busy) {
  state.busy = busy;
  ui.send.disabled = busy;
  ui.send.textContent = busy ? 'Bitte warten …' : 'Fragen';
  ui.form.setAttribute('aria-busy', String(busy));
}

function newConversation() {
  state.previousQuestion = null;
  state.previousTopic = null;
  state.turnCount = 0;
  ui.conversation.replaceChildren();
  ui.intro.hidden = false;
  updateComposerContext();
  ui.input.focus();
}

function submitQuestion() {
  const question = ui.input.value.trim();
  if (!question) {
    ui.input.focus();
    ui.input.classList.add('is-invalid');
    return;
  }
  if (state.busy) return;
  ui.input.classList.remove('is-invalid');
  ui.input.value = '';
  ask(question);
}

// ---------------------------------------------------------------------------------
// Source viewer

async function openViewer(citation, words, opener) {
  state.viewerReturnFocus = opener;
  const doc = state.docs.get(citation.doc);
  ui.viewerTitle.textContent = (doc && doc.short_title) || citation.doc_title || citation.doc;
  ui.viewerLong.textContent = citation.doc_title || '';
  ui.viewerMeta.textContent = [citation.state_name, citation.section ? `Abschnitt: ${citation.section}` : '']
    .filter(Boolean).join(' · ');
  ui.viewerText.replaceChildren();
  ui.viewerStatus.textContent = 'Dokument wird geladen …';
  ui.viewerStatus.hidden = false;
  ui.viewerJump.hidden = true;
  if (!ui.viewer.open) ui.viewer.showModal();
  ui.viewerClose.focus();

  let loaded;
  try {
    loaded = await loadDocument(citation.doc);
  } catch (err) {
    ui.viewerStatus.textContent = `Fehler: Das Dokument konnte nicht geladen werden. ${describeError(err)}`;
    return;
  }
  const { doc: full, chars } = loaded;
  ui.viewerTitle.textContent = full.short_title || full.title || citation.doc;
  const start = Math.max(0, Math.min(citation.start, chars.length));
  const end = Math.max(start, Math.min(citation.end, chars.length));
  const cited = chars.slice(start, end).join('');
  const mark = el('mark', { class: 'cited', id: 'cited-span' });
  appendHighlighted(mark, cited, words);
  ui.viewerText.replaceChildren(
    chars.slice(0, start).join(''),
    mark,
    chars.slice(end).join(''));
  if (cited !== citation.text) {
    ui.viewerStatus.textContent = 'Hinweis: Die markierte Stelle im Dokument weicht vom zitierten Text ab.';
  } else {
    ui.viewerStatus.textContent = `Belegstelle: Zeichen ${citation.start}–${citation.end} von ${chars.length.toLocaleString('de-DE')}`;
  }
  ui.viewerJump.hidden = false;
  scrollToCited();
}

/** Scrolls the viewer to the cited span: centred when it fits, else its start on top. */
function scrollToCited() {
  const mark = document.getElementById('cited-span');
  if (!mark) return;
  const box = ui.viewerText;
  const view = box.getBoundingClientRect();
  const span = mark.getBoundingClientRect();
  const top = span.top - view.top + box.scrollTop;
  const fits = span.height < view.height * 0.8;
  box.scrollTop = Math.max(0, fits ? top - (view.height - span.height) / 2 : top - 24);
}

function closeViewer() {
  ui.viewer.close();
}

// ---------------------------------------------------------------------------------
// Start

function wire() {
  ui.form.addEventListener('submit', (e) => {
    e.preventDefault();
    submitQuestion();
  });
  ui.input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      submitQuestion();
    }
  });
  ui.input.addEventListener('input', () => ui.input.classList.remove('is-invalid'));
  ui.newChat.addEventListener('click', newConversation);
  ui.clearFilters.addEventListener('click', clearStates);
  for (const b of document.querySelectorAll('.example')) {
    b.addEventListener('click', () => {
      ui.input.value = b.textContent;
      submitQuestion();
    });
  }
  ui.viewerClose.addEventListener('click', closeViewer);
  ui.viewerJump.addEventListener('click', scrollToCited);
  ui.viewer.addEventListener('click', (e) => {
    if (e.target === ui.viewer) closeViewer(); // a click on the backdrop
  });
  ui.viewer.addEventListener('close', () => {
    const back = state.viewerReturnFocus;
    state.viewerReturnFocus = null;
    if (back && back.isConnected) back.focus();
  });
  if (window.matchMedia('(min-width: 48rem)').matches) ui.filters.open = true;
  ui.keyButton.hidden = !currentKey();
  ui.keyButton.addEventListener('click', () => {
    askForKey('API-Schlüssel für diesen Server ändern oder vergessen.').then((key) => {
      if (key) window.location.reload();
    });
  });
  ui.keyCancel.addEventListener('click', () => ui.keyDialog.close());
  ui.keyForget.addEventListener('click', () => {
    storeKey('', false);
    ui.keyDialog.close();
  });
}

async function start() {
  wire();
  updateComposerContext();
  const [states, docs] = await Promise.allSettled([getJson('/api/states'), getJson('/api/documents')]);
  const problems = [];
  if (states.status === 'fulfilled') renderStates(states.value);
  else problems.push(`Die Länderliste konnte nicht geladen werden (${describeError(states.reason)}).`);
  if (docs.status === 'fulfilled') renderDocs(docs.value);
  else problems.push(`Die Dokumentliste konnte nicht geladen werden (${describeError(docs.reason)}).`);
  if (problems.length) showAppError(problems.join(' '));
  // The summary toggle appears only when the server has an LLM endpoint.
  getJson('/readyz').then((r) => { ui.llmToggle.hidden = !(r && r.llm === true); }, () => {});
  document.documentElement.dataset.ready = 'true';
}

start();
