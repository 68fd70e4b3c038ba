// The words for a `room.access` change, in the current language: from the server's stable
// `reason_code` and its parameters (room name, the moderator's detail, the end of a mute or
// ban). Only an unknown code falls back to the server's English sentence.
import { t, formatUntil } from "../i18n/i18n.js";

const KNOWN = new Set(["access_lost", "role_changed", "settings_changed", "knock_refused", "back_to_lobby",
  "muted", "banned", "unmuted", "unbanned", "removed"]);

/** Is this change worded by code (rather than by the server's sentence)? */
export function knownAccess(info) {
  return !!info && KNOWN.has(info.code);
}

/** The main sentence for a change, or null for an unknown code. `fallbackName` when the frame lacks one. */
export function accessSentence(info, fallbackName = "") {
  if (!knownAccess(info)) return null;
  const name = info.roomName || fallbackName;
  const until = info.until ? new Date(info.until) : null;
  const timed = until && !Number.isNaN(until.getTime());
  switch (info.code) {
    case "role_changed": return t("notice.roleChanged", { name, role: t(`roomRole.${info.role || "none"}`) });
    case "settings_changed": return t("notice.settingsChanged", { name });
    case "muted":
    case "banned":
      return timed ? t(`access.${info.code}Until`, { name, until: formatUntil(until) }) : t(`access.${info.code}`, { name });
    default: return t(`access.${info.code}`, { name });
  }
}

/** "Причина: …" / "Reason: …" for the moderator's detail, or "". */
export function accessDetail(info) {
  return info && info.detail ? t("access.detail", { detail: info.detail }) : "";
}

/** Sentence and detail together (the server's `reason` for an unknown code). */
export function accessText(info, fallbackName = "") {
  if (!info) return "";
  const sentence = accessSentence(info, fallbackName);
  if (sentence === null) return info.reason || "";
  return [sentence, accessDetail(info)].filter(Boolean).join(" ");
}
