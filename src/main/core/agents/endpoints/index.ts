/**
 * Named model endpoints: their store, the secret store that keeps their keys, the resolver the
 * engine calls, and the Test action.
 */
export { EndpointService, maskKey, secretNameOf, type EndpointServiceOptions, type ResolvedEndpoint } from './endpoint-service';
export { EncryptedSecretStore, FileSecretStore, type SecretCipher, type SecretStore } from './secret-store';
export { PROBE_TIMEOUT_MS, probeEndpoint, type ProbeOptions } from './endpoint-probe';
