import { localDeploySuite } from "./local-suite";

localDeploySuite("debian13");
