// The board of a room (docs/collab.md "Boards"): columns and cards, and apply(op, actor, at)
// with the server's validation and refusals, so the client can apply its own operations at once
// and know which of them no longer fit. Pure (no DOM): tested with node --test web/tests/.
//
// A refusal is returned, never thrown: {code, reason, …} with `code` as the server's error code
// (bad_request, not_found, conflict) and `reason` one of
//   schema            — not a valid operation (`field` names what is wrong)
//   column_missing    — no such column (`column`)
//   card_missing      — no such card (`card`)
//   id_in_use         — a create with an id that exists (`id`)
//   wip_limit         — the target column is at its WIP limit (`column`, `wip`)
//   column_archived   — a card into an archived column (`column`)
//   column_not_empty  — deleting a column that still holds cards (`column`)
//   comment_in_use    — a comment id the card already has (`comment`)
import { isValid as isValidKey, compare } from "./position-key.js";

export const LIMITS = Object.freeze({
  title: 200, description: 10000, assignees: 20, labels: 20, label: 40, checklist: 100,
  checkText: 500, links: 50, url: 2000, linkTitle: 200, comment: 4000, wipMin: 1, wipMax: 999,
});

export const CARD_FIELDS = ["title", "description", "assignees", "labels", "due", "checklist", "links"];
export const COLUMN_FIELDS = ["title", "wip"];
export const OPS = ["column.create", "column.set", "column.move", "column.archive", "column.restore", "column.delete",
  "card.create", "card.set", "card.move", "card.archive", "card.restore", "card.delete", "card.comment"];

const ID_RE = /^[A-Za-z0-9_-]{1,40}$/;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Ids of columns, cards, checklist items and comments: 1…40 of [A-Za-z0-9_-]. */
export function isValidId(id) { return typeof id === "string" && ID_RE.test(id); }

/** A fresh id (made by the client, so something created offline already has its id). */
export function newId(prefix = "") {
  const bytes = new Uint8Array(12);
  globalThis.crypto.getRandomValues(bytes);
  const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  return prefix + [...bytes].map((b) => alphabet[b % 62]).join("");
}

/** Length in Unicode code points (what every limit counts). */
export function codePoints(s) { let n = 0; for (const _ of s) n++; return n; }

// Unicode White_Space (what the server's `isWhitespace` means).
const ONLY_SPACE = /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$/;
const SPACE_OR_CONTROL = /[\u0000-\u0020\u007f-\u009f\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/;

/** A string of at most `max` code points; with `min` 1 also not empty or only spaces. */
function text(value, min, max) {
  if (typeof value !== "string") return false;
  if (min > 0 && ONLY_SPACE.test(value)) return false;
  return codePoints(value) <= max;
}

/** A real day written YYYY-MM-DD (years 0001–9999), or null. */
export function isValidDue(value) {
  if (value === null) return true;
  if (typeof value !== "string") return false;
  const m = DATE_RE.exec(value);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (y < 1 || mo < 1 || mo > 12 || d < 1) return false;
  const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  return d <= [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][mo - 1];
}

/** http:// or https:// (either case) and something after it, no spaces or control characters,
 *  at most 2,000 code points: nothing that could run code when clicked. */
export function isValidUrl(value) {
  if (typeof value !== "string" || codePoints(value) > LIMITS.url) return false;
  const head = value.slice(0, 8).toLowerCase();
  const scheme = head.startsWith("https://") ? 8 : head.startsWith("http://") ? 7 : 0;
  if (!scheme || value.length <= scheme) return false;
  return !SPACE_OR_CONTROL.test(value);
}

function isUser(u) { return Number.isInteger(u) && u > 0; }

function isWip(v) { return v === null || (Number.isInteger(v) && v >= LIMITS.wipMin && v <= LIMITS.wipMax); }

/** Is `value` a valid value of the card's `field`? */
export function validCardValue(field, value) {
  switch (field) {
    case "title": return text(value, 1, LIMITS.title);
    case "description": return text(value, 0, LIMITS.description);
    case "assignees":
      return Array.isArray(value) && value.length <= LIMITS.assignees && value.every(isUser) && new Set(value).size === value.length;
    case "labels":
      return Array.isArray(value) && value.length <= LIMITS.labels && value.every((l) => text(l, 1, LIMITS.label)) && new Set(value).size === value.length;
    case "due": return isValidDue(value);
    case "checklist": {
      if (!Array.isArray(value) || value.length > LIMITS.checklist) return false;
      const ids = new Set();
      for (const item of value) {
        if (!item || typeof item !== "object" || Array.isArray(item)) return false;
        if (!isValidId(item.id) || ids.has(item.id)) return false;
        ids.add(item.id);
        if (!text(item.text, 1, LIMITS.checkText) || typeof item.done !== "boolean") return false;
      }
      return true;
    }
    case "links":
      return Array.isArray(value) && value.length <= LIMITS.links && value.every((l) => l && typeof l === "object" && !Array.isArray(l)
        && text(l.title, 1, LIMITS.linkTitle) && isValidUrl(l.url));
    default: return false;
  }
}

/** The schema check of one operation: null when valid, else the name of the wrong field. */
export function schemaError(op) {
  if (!op || typeof op !== "object" || Array.isArray(op)) return "op";
  if (!OPS.includes(op.op)) return "op";
  if (!isValidId(op.id)) return "id";
  switch (op.op) {
    case "column.create":
      if (!text(op.title, 1, LIMITS.title)) return "title";
      if (!isValidKey(op.pos)) return "pos";
      if (op.wip !== undefined && !isWip(op.wip)) return "wip";
      return null;
    case "column.set":
      if (!COLUMN_FIELDS.includes(op.field)) return "field";
      if (op.field === "title" ? !text(op.value, 1, LIMITS.title) : !isWip(op.value)) return "value";
      return null;
    case "column.move": return isValidKey(op.pos) ? null : "pos";
    case "card.create":
      if (!isValidId(op.column)) return "column";
      if (!isValidKey(op.pos)) return "pos";
      if (!text(op.title, 1, LIMITS.title)) return "title";
      return null;
    case "card.set":
      if (!CARD_FIELDS.includes(op.field)) return "field";
      return validCardValue(op.field, op.value) ? null : "value";
    case "card.move":
      if (!isValidId(op.column)) return "column";
      return isValidKey(op.pos) ? null : "pos";
    case "card.comment":
      if (!isValidId(op.comment)) return "comment";
      return text(op.text, 1, LIMITS.comment) ? null : "text";
    default: return null;   // archive, restore, delete: the id only
  }
}

/** A time as the board keeps it: milliseconds since 1970 (from an event's ISO `at`, or now). */
export function toMillis(at) {
  if (typeof at === "number" && Number.isFinite(at)) return Math.trunc(at);
  const ms = typeof at === "string" ? Date.parse(at) : NaN;
  return Number.isFinite(ms) ? ms : Date.now();
}

const copy = (v) => (v === undefined ? undefined : JSON.parse(JSON.stringify(v)));

/** Order of columns and cards: (pos, id), the same on every replica. */
export function byPos(a, b) { return compare(a.pos, b.pos) || compare(a.id, b.id); }

function refuse(code, reason, extra = {}) { return { code, reason, ...extra }; }

export class Board {
  constructor() {
    this.rev = 0;
    this.locked = false;
    this.columns = new Map();     // id → {id, title, pos, wip, archived}
    this.cards = new Map();       // id → card
    this.gone = new Map();        // id → {kind, title, actor, at}: what was deleted, and by whom
  }

  /** From the server's `{"rev","locked","columns":[…],"cards":[…]}`. */
  static from(json) {
    const b = new Board();
    if (!json || typeof json !== "object") return b;
    b.rev = Number(json.rev) || 0;
    b.locked = !!json.locked;
    for (const c of json.columns || []) {
      if (!c || typeof c.id !== "string") continue;
      b.columns.set(c.id, { id: c.id, title: String(c.title ?? ""), pos: String(c.pos ?? ""), wip: c.wip ?? null, archived: !!c.archived });
    }
    for (const c of json.cards || []) {
      if (!c || typeof c.id !== "string") continue;
      b.cards.set(c.id, Board.card(c));
    }
    return b;
  }

  static card(c) {
    return {
      id: c.id, column: c.column, pos: String(c.pos ?? ""), title: String(c.title ?? ""),
      description: typeof c.description === "string" ? c.description : "",
      assignees: Array.isArray(c.assignees) ? copy(c.assignees) : [],
      labels: Array.isArray(c.labels) ? copy(c.labels) : [],
      due: typeof c.due === "string" ? c.due : null,
      checklist: Array.isArray(c.checklist) ? copy(c.checklist) : [],
      links: Array.isArray(c.links) ? copy(c.links) : [],
      comments: Array.isArray(c.comments) ? copy(c.comments) : [],
      archived: !!c.archived,
      created_by: c.created_by ?? null,
      created_at: c.created_at ?? null,
    };
  }

  clone() {
    const b = new Board();
    b.rev = this.rev;
    b.locked = this.locked;
    for (const [id, c] of this.columns) b.columns.set(id, { ...c });
    for (const [id, c] of this.cards) b.cards.set(id, Board.card(c));
    for (const [id, g] of this.gone) b.gone.set(id, { ...g });
    return b;
  }

  /** The wire shape, columns and cards in (pos, id) order. */
  toJSON() {
    return {
      rev: this.rev, locked: this.locked,
      columns: [...this.columns.values()].sort(byPos).map((c) => ({ ...c })),
      cards: [...this.cards.values()].sort(byPos).map((c) => Board.card(c)),
    };
  }

  /** Columns in order; archived ones only with `{archived: true}`. */
  orderedColumns({ archived = false } = {}) {
    return [...this.columns.values()].filter((c) => archived || !c.archived).sort(byPos);
  }

  /** A column's cards in order; archived ones only with `{archived: true}`. */
  cardsIn(column, { archived = false } = {}) {
    return [...this.cards.values()].filter((c) => c.column === column && (archived || !c.archived)).sort(byPos);
  }

  /** Cards that count toward a column's WIP limit (archived cards do not). */
  activeCount(column) {
    let n = 0;
    for (const c of this.cards.values()) if (c.column === column && !c.archived) n++;
    return n;
  }

  atLimit(column) {
    const col = this.columns.get(column);
    return !!col && col.wip !== null && this.activeCount(column) >= col.wip;
  }

  /** Would `op` be accepted? The refusal, or null. Changes nothing. */
  check(op) {
    const field = schemaError(op);
    if (field) return refuse("bad_request", "schema", { field });
    const col = (id) => this.columns.get(id);
    const card = (id) => this.cards.get(id);
    switch (op.op) {
      case "column.create":
        return this.columns.has(op.id) ? refuse("conflict", "id_in_use", { id: op.id }) : null;
      case "column.set": case "column.move": case "column.archive": case "column.restore":
        return col(op.id) ? null : refuse("not_found", "column_missing", { column: op.id });
      case "column.delete":
        if (!col(op.id)) return refuse("not_found", "column_missing", { column: op.id });
        for (const c of this.cards.values()) if (c.column === op.id) return refuse("conflict", "column_not_empty", { column: op.id });
        return null;
      case "card.create": {
        const target = col(op.column);
        if (!target) return refuse("not_found", "column_missing", { column: op.column });
        if (this.cards.has(op.id)) return refuse("conflict", "id_in_use", { id: op.id });
        if (target.archived) return refuse("conflict", "column_archived", { column: op.column });
        if (this.atLimit(op.column)) return refuse("conflict", "wip_limit", { column: op.column, wip: target.wip });
        return null;
      }
      case "card.move": {
        const c = card(op.id);
        if (!c) return refuse("not_found", "card_missing", { card: op.id });
        const target = col(op.column);
        if (!target) return refuse("not_found", "column_missing", { column: op.column });
        if (target.archived) return refuse("conflict", "column_archived", { column: op.column });
        // Moving within the column does not change its count; an archived card counts nowhere.
        if (op.column !== c.column && !c.archived && this.atLimit(op.column)) return refuse("conflict", "wip_limit", { column: op.column, wip: target.wip });
        return null;
      }
      case "card.restore": {
        const c = card(op.id);
        if (!c) return refuse("not_found", "card_missing", { card: op.id });
        const target = col(c.column);
        if (!target) return refuse("not_found", "column_missing", { column: c.column });
        if (target.archived) return refuse("conflict", "column_archived", { column: c.column });
        // A restored card counts against the limit again.
        if (c.archived && this.atLimit(c.column)) return refuse("conflict", "wip_limit", { column: c.column, wip: target.wip });
        return null;
      }
      case "card.set": case "card.archive": case "card.delete":
        return card(op.id) ? null : refuse("not_found", "card_missing", { card: op.id });
      case "card.comment": {
        const c = card(op.id);
        if (!c) return refuse("not_found", "card_missing", { card: op.id });
        return c.comments.some((m) => m.id === op.comment) ? refuse("conflict", "comment_in_use", { comment: op.comment }) : null;
      }
      default: return refuse("bad_request", "schema", { field: "op" });
    }
  }

  /** For an operation the server committed: only what cannot be applied at all. */
  missing(op) {
    if (!op || typeof op !== "object" || !OPS.includes(op.op) || typeof op.id !== "string") return refuse("bad_request", "schema", { field: "op" });
    const needColumn = (id) => (this.columns.has(id) ? null : refuse("not_found", "column_missing", { column: id }));
    const needCard = (id) => (this.cards.has(id) ? null : refuse("not_found", "card_missing", { card: id }));
    switch (op.op) {
      case "column.create": return null;
      case "column.set": return COLUMN_FIELDS.includes(op.field) ? needColumn(op.id) : refuse("bad_request", "schema", { field: "field" });
      case "card.set": return CARD_FIELDS.includes(op.field) ? needCard(op.id) : refuse("bad_request", "schema", { field: "field" });
      case "card.create": return needColumn(op.column);
      case "card.move": return needCard(op.id) || needColumn(op.column);
      case "card.comment":
        return needCard(op.id) || (this.cards.get(op.id).comments.some((m) => m.id === op.comment) ? refuse("conflict", "comment_in_use", { comment: op.comment }) : null);
      default: return op.op.startsWith("column.") ? needColumn(op.id) : needCard(op.id);
    }
  }

  /** Applies one operation by `actor` (a user id) at `at` (ISO time). Returns null, or the
   *  refusal (and then nothing changed). With `{trusted: true}` (an operation the server
   *  already committed) only a missing object stops it: the server's word is final. */
  apply(op, actor = null, at = null, { trusted = false } = {}) {
    const refusal = trusted ? this.missing(op) : this.check(op);
    if (refusal) return refusal;
    const when = toMillis(at);
    switch (op.op) {
      case "column.create":
        this.columns.set(op.id, { id: op.id, title: op.title, pos: op.pos, wip: op.wip ?? null, archived: false });
        this.gone.delete(op.id);
        break;
      case "column.set": this.columns.get(op.id)[op.field] = op.field === "wip" ? op.value ?? null : op.value; break;
      case "column.move": this.columns.get(op.id).pos = op.pos; break;
      case "column.archive": this.columns.get(op.id).archived = true; break;
      case "column.restore": this.columns.get(op.id).archived = false; break;
      case "column.delete": {
        const c = this.columns.get(op.id);
        this.columns.delete(op.id);
        this.gone.set(op.id, { kind: "column", title: c.title, actor, at: when });
        // (Only a server that allowed it leaves cards behind; they go with their column.)
        for (const [id, card] of this.cards) if (card.column === op.id) this.cards.delete(id);
        break;
      }
      case "card.create":
        this.cards.set(op.id, Board.card({ id: op.id, column: op.column, pos: op.pos, title: op.title, created_by: actor, created_at: when }));
        this.gone.delete(op.id);
        break;
      case "card.set": this.cards.get(op.id)[op.field] = copy(op.value); break;
      case "card.move": { const c = this.cards.get(op.id); c.column = op.column; c.pos = op.pos; break; }
      case "card.archive": this.cards.get(op.id).archived = true; break;
      case "card.restore": this.cards.get(op.id).archived = false; break;
      case "card.delete": {
        const c = this.cards.get(op.id);
        this.cards.delete(op.id);
        this.gone.set(op.id, { kind: "card", title: c.title, actor, at: when });
        break;
      }
      case "card.comment":
        this.cards.get(op.id).comments.push({ id: op.comment, user: actor, at: when, text: op.text });
        break;
      default: break;
    }
    return null;
  }
}

/** A compact, comparable form of the board's content (for tests and equality checks). */
export function boardDigest(board) {
  const j = board.toJSON();
  return JSON.stringify({ locked: j.locked, columns: j.columns, cards: j.cards });
}
