/** Enforcement conformance on the nftables backend (network namespaces; root only). */
import { enforcerConformance } from './enforce-conformance.ts';

enforcerConformance('nftables');
