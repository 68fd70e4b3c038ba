// A tiny change notifier shared by the stores: views subscribe and re-render.
export class Emitter {
  constructor() { this.listeners = new Set(); }
  subscribe(fn) { this.listeners.add(fn); return () => this.listeners.delete(fn); }
  emit(detail) { for (const fn of [...this.listeners]) fn(detail); }
}
