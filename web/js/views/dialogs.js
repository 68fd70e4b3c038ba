// Accessible modal dialogs (<dialog> with showModal: focus is kept inside, Escape closes,
// focus returns to the button that opened it).
import { h } from "./dom.js";
import { t } from "../i18n/i18n.js";

function modal(titleText, content, actions, { onClose } = {}) {
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

export function confirmDialog(title, lead, confirmLabel, action) {
  const error = h("p", { class: "form-error", role: "alert", hidden: true });
  const ok = h("button", { type: "submit", value: "ok", class: "button danger" }, confirmLabel);
  const cancel = h("button", { type: "button", class: "button", onclick: () => dialog.close() }, t("edit.cancel"));
  const dialog = modal(title, [h("p", { class: "dialog-lead" }, lead), error], [cancel, ok]);
  cancel.focus();
  dialog.querySelector("form").addEventListener("submit", async (e) => {
    e.preventDefault();
    ok.disabled = true;
    try { await action(); dialog.close(); } catch (err) {
      error.textContent = t(`error.${err.code}`) === `error.${err.code}` ? t("error.generic") : t(`error.${err.code}`);
      error.hidden = false;
      ok.disabled = false;
    }
  });
  return dialog;
}
