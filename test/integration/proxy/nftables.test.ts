import { proxySuite } from "./suite.ts";

proxySuite("nftables", "n");
