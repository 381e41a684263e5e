import { proxySuite } from "./suite.ts";

// The host's default flavour (nf_tables-based iptables on Debian 12), as kube-proxy would pick it.
proxySuite("iptables", "i");
