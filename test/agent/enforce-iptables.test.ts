/** Enforcement conformance on the iptables + ipset backend (network namespaces; root only). */
import { enforcerConformance } from './enforce-conformance.ts';

enforcerConformance('iptables');
