// DMARC (RFC 7489) for the doctor: the syntax lives in policy/dmarc-syntax.ts (shared with the pack).
export { DmarcRecord, isDmarc, parseDmarc } from "../policy/dmarc-syntax";
