// The policy pack: `pulumi preview --policy-pack policy` loads this file.
import { PolicyPack } from "@pulumi/policy";
import { policies } from "./rules";

new PolicyPack("mailstack-mail-rules", { policies });
