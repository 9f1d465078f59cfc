// Every rule of the pack, as plain objects: index.ts builds the PolicyPack from this list, and the
// tests call each rule's validateResource/validateStack directly.
import type { Policies } from "@pulumi/policy";
import { commandNoSecrets } from "./command-secrets";
import { dkimKeyStrength } from "./dkim-key-strength";
import { dmarcForSendingDomains } from "./dmarc-record";
import { mailHostNotProxied, mxTargetNotCname } from "./mail-host-records";
import { oneSpfPerName, spfRecordValid } from "./spf-record";
import { sshHostKeyPinned } from "./ssh-host-key";
import { txtStringLength } from "./txt-string-length";

export { commandNoSecrets, dkimKeyStrength, dmarcForSendingDomains, mailHostNotProxied, mxTargetNotCname, oneSpfPerName, spfRecordValid, sshHostKeyPinned, txtStringLength };

export const policies: Policies = [
  mailHostNotProxied,
  mxTargetNotCname,
  spfRecordValid,
  oneSpfPerName,
  dmarcForSendingDomains,
  dkimKeyStrength,
  txtStringLength,
  commandNoSecrets,
  sshHostKeyPinned,
];
