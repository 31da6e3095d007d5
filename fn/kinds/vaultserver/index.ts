// KubeVault VaultServer (kubevault.com/v1alpha2, v1alpha1 still served): TLS fields,
// certificates and the standalone workload.
//
// Facts (kubevault/apimachinery apis/kubevault/v1alpha2 vaultserver_helpers.go, types.go,
// apis/constants.go; the KubeVault operator's listener and raft configuration; the
// kubevault/installer catalog): aliases ca, server, client, storage (storage only for the raft
// backend; ca is the operator's own self-signed CA, which a cert-manager issuer replaces);
// secrets `<name>-<alias>-certs`; common names `<name>-<alias>`; certificates mounted at
// /etc/vault/tls/<alias>; services `<name>` and the governing `<name>-internal`; ports 8200
// (API) and 8201 (cluster); configuration /etc/vault/config/vault.hcl.
import { serverCertificateDefaults, USAGES } from '../../render/certificate.js';
import { isObj } from '../../io/objects.js';
import { podIPWildcards } from '../../render/workload.js';
import { nameWithSuffix } from '../../util/names.js';
import { defineKind } from '../kind.js';
import { API_PORT } from './config.js';
import { backendOf, readPlan, selfSigned, type VaultPlan } from './plan.js';
import { VERSION_NAMING } from './versions.js';
import { vaultWorkload } from './workload.js';

export const vaultserver = defineKind<VaultPlan>({
  group: 'kubevault.com',
  kind: 'VaultServer',
  versionNaming: VERSION_NAMING,
  operator: 'KubeVault',
  resource: 'vaultservers',
  versions: ['v1alpha2', 'v1alpha1'],
  summary:
    'HashiCorp Vault / OpenBao: server, client (and storage for raft) certificates; a TLS tcp listener and raft storage joined over TLS',
  aliases: (db) => [
    ...(selfSigned(db) ? ['ca'] : []),
    'server',
    'client',
    ...(backendOf(db) === 'raft' ? ['storage'] : []),
  ],
  // KubeVault's aliases (apis/kubevault/v1alpha2 types.go VaultCertificateAlias, and its TLS
  // guide): ca, server, client, storage; where the object issues no certificate for one, why.
  unissuedAliases: (db) => ({
    ...(selfSigned(db)
      ? {}
      : {
          ca:
            'KubeVault creates a CA of its own only when spec.tls has no issuerRef; with one, ' +
            'the issuer is the CA',
        }),
    ...(backendOf(db) === 'raft'
      ? {}
      : {
          storage:
            'the storage certificate secures raft joins between Vault nodes and exists only ' +
            'with spec.backend.raft',
        }),
  }),
  // Without issuerRef KubeVault's operator creates a self-signed CA (alias ca) and the certificates itself.
  issuerRefOptional: true,
  certificateName: (db, alias) => nameWithSuffix(`${db.metadata.name}-${alias}`, 'certs'),
  defaultSecretName: (db, alias) => nameWithSuffix(`${db.metadata.name}-${alias}`, 'certs'),

  plan: readPlan,

  issuesCertificates: (ctx) => ctx.tls !== undefined,

  // KubeVault's service aliases: vault (<name>), internal (the headless <name>-internal), and
  // primary (<name>-primary) with exposePrimary.
  clientServices(ctx): Record<string, string> {
    const name = ctx.db.metadata.name;
    const services = { vault: name, internal: nameWithSuffix(name, 'internal') };
    const exposed = isObj(ctx.db.spec) && ctx.db.spec.exposePrimary === true;
    return exposed ? { ...services, primary: nameWithSuffix(name, 'primary') } : services;
  },
  // KubeVault's ensureService keeps its own ports and labels (kubevault/operator vault.go).
  serviceTemplateIgnores: ['ports', 'labels'],

  certificateDefaults(ctx, _plan, alias) {
    // KubeVault's GetCertificateCN: <name>-<alias>; the operator sets no default subject.
    const name = ctx.db.metadata.name;
    const commonName = `${name}-${alias}`;
    if (alias === 'client') return { commonName, usages: USAGES.client };
    // storage: raft joins present it as a client to the leader's listener, which checks it as a server
    const usages = alias === 'storage' ? USAGES.serverAndClient : USAGES.server;
    const internal = nameWithSuffix(name, 'internal');
    const defaults = serverCertificateDefaults(ctx, [name], internal, usages, commonName);
    // KubeVault's own server and storage certificates also name every pod of the namespace by its
    // IP (*.<ns>.pod), as clients and raft peers that found a pod by its address reach it.
    const pods = podIPWildcards(ctx.namespace, ctx.settings.clusterDomain);
    return { ...defaults, dnsNames: [...(defaults.dnsNames ?? []), ...pods] };
  },

  client: {
    // No default user: the certificate's common name is the workload's name, for Vault's cert
    // auth method to map to a role (or set dbtls.dev/connect-as).
    endpoint: (ctx) => ({ service: ctx.db.metadata.name, port: API_PORT }),
    settings: (c) => ({
      // The Vault CLI's and the official API clients' own variables.
      env: [
        { name: 'VAULT_ADDR', value: `https://${c.host}:${c.port}` },
        { name: 'VAULT_CACERT', value: c.ca },
        { name: 'VAULT_CLIENT_CERT', value: c.cert },
        { name: 'VAULT_CLIENT_KEY', value: c.key },
      ],
    }),
  },

  // Vault's cert auth method maps a common name to a role: no name is Vault's own administrator.
  users: { noun: 'Vault cert auth name', administrative: [] },

  podTemplate: { container: 'vault', operator: 'KubeVault' },

  workload: vaultWorkload,
});
