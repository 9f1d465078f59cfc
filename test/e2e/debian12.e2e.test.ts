import { localDeploySuite } from "./local-suite";

localDeploySuite("debian12");
