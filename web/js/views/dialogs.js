// Accessible modal dialogs (<dialog> with showModal: focus is kept inside, Escape closes,
// focus returns to the button that opened it).
import { h } from "./dom.js";
import { t } from "../i18n/i18n.js";

export function modal(titleText, content, actions, { onClose } = {}) {
  const id = `dlg-${Math.random().toString(36).slice(2, 8)}`;
  const opener = document.activeElement;
  const dialog = h("dialog", { class: "dialog", "aria-labelledby": id },
    h("form", { method: "dialog", class: "dialog-form" },
      h("h2", { id, class: "dialog-title" }, titleText),
      content,
      h("div", { class: "dialog-actions" }, actions)));
  dialog.addEventListener("close", () => {
    dialog.remove();
    onClose?.();
    if (opener && opener.isConnected && typeof opener.focus === "function") opener.focus();
  });
  document.body.append(dialog);
  dialog.showModal();
  return dialog;
}

/** Edit one's message; `save(text)` returns a promise (rejects with an error code). */
export function editDialog(original, save) {
  const area = h("textarea", { class: "dialog-textarea", rows: "4", "aria-label": t("edit.title") });
  area.value = original;
  const error = h("p", { class: "form-error", role: "alert", hidden: true });
  const ok = h("button", { type: "submit", value: "save", class: "button primary" }, t("edit.save"));
  const cancel = h("button", { type: "button", class: "button", onclick: () => dialog.close() }, t("edit.cancel"));
  const dialog = modal(t("edit.title"), [area, error], [cancel, ok]);
  area.focus();
  area.setSelectionRange(area.value.length, area.value.length);
  const submit = async (e) => {
    e?.preventDefault();
    const text = area.value;
    if (!text.trim()) return;
    if (text === original) { dialog.close(); return; }
    ok.disabled = true;
    try { await save(text); dialog.close(); } catch (err) {
      error.textContent = t(`error.${err.code}`) === `error.${err.code}` ? t("error.generic") : t(`error.${err.code}`);
      error.hidden = false;
      ok.disabled = false;
    }
  };
  dialog.querySelector("form").addEventListener("submit", submit);
  area.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) submit(e);
  });
  return dialog;
}

export function errorText(err) {
  const code = err?.code || "generic";
  if (code === "forbidden" && err.message && err.message !== code) return err.message;
  return t(`error.${code}`) === `error.${code}` ? t("error.generic") : t(`error.${code}`);
}

/** A confirmation; with `{reason: true}` an optional reason field whose text goes to action(reason). */
export function confirmDialog(title, lead, confirmLabel, action, { reason = false } = {}) {
  const error = h("p", { class: "form-error", role: "alert", hidden: true });
  const ok = h("button", { type: "submit", value: "ok", class: "button danger" }, confirmLabel);
  const cancel = h("button", { type: "button", class: "button", onclick: () => dialog.close() }, t("edit.cancel"));
  const reasonId = `reason-${Math.random().toString(36).slice(2, 8)}`;
  const reasonInput = reason ? h("input", { id: reasonId, type: "text", class: "dialog-reason", maxlength: "500", autocomplete: "off" }) : null;
  const reasonField = reason ? h("div", { class: "field" }, h("label", { for: reasonId }, t("mod.reasonOptional")), reasonInput) : null;
  const dialog = modal(title, [h("p", { class: "dialog-lead" }, lead), reasonField, error], [cancel, ok]);
  cancel.focus();
  dialog.querySelector("form").addEventListener("submit", async (e) => {
    e.preventDefault();
    ok.disabled = true;
    try { await action(reasonInput ? reasonInput.value.trim() : undefined); dialog.close(); } catch (err) {
      error.textContent = t(`error.${err.code}`) === `error.${err.code}` ? t("error.generic") : t(`error.${err.code}`);
      error.hidden = false;
      ok.disabled = false;
    }
  });
  return dialog;
}

/** Asks for a text (a reason) and runs `action(text)`; `required` makes it mandatory. */
export function reasonDialog(title, lead, label, confirmLabel, action, { required = false, danger = false, max = 500 } = {}) {
  const id = `reason-${Math.random().toString(36).slice(2, 8)}`;
  const area = h("textarea", { id, class: "dialog-textarea reason", rows: "3", maxlength: String(max), required: required || null });
  const error = h("p", { class: "form-error", role: "alert", hidden: true });
  const ok = h("button", { type: "submit", value: "ok", class: `button ${danger ? "danger" : "primary"}` }, confirmLabel);
  const cancel = h("button", { type: "button", class: "button", onclick: () => dialog.close() }, t("edit.cancel"));
  const dialog = modal(title, [lead ? h("p", { class: "dialog-lead" }, lead) : null,
    h("div", { class: "field" }, h("label", { for: id }, label), area), error], [cancel, ok]);
  area.focus();
  dialog.querySelector("form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const text = area.value.trim();
    if (required && !text) { error.textContent = t("mod.reasonRequired"); error.hidden = false; area.setAttribute("aria-invalid", "true"); area.focus(); return; }
    ok.disabled = true;
    try { await action(text); dialog.close(); } catch (err) {
      error.textContent = errorText(err);
      error.hidden = false;
      ok.disabled = false;
    }
  });
  return dialog;
}
