// Turns a schema-valid document (defaults applied) into the typed
// DaemonConfig: addresses parsed and normalized, the family derived.
import { parseAddress, parseCidr, type ParseResult } from './cidr.js';
import { parseListenAddress } from './listen-address.js';
import type { ConfigDocument, DaemonConfig, InstanceConfig, InstanceDocument } from './types.js';

export function buildConfig(doc: ConfigDocument): DaemonConfig {
  return {
    statusSocket: doc.statusSocket,
    statusSocketGroup: doc.statusSocketGroup,
    statusSocketAdminGroup: doc.statusSocketAdminGroup,
    stateDirectory: doc.stateDirectory,
    ...(doc.scriptUser === undefined ? {} : { scriptUser: doc.scriptUser }),
    log: { level: doc.log.level },
    metrics: doc.metrics === undefined ? undefined : { listen: parsed(parseListenAddress(doc.metrics.listen)) },
    instances: doc.instances.map((instance) => buildInstance(instance, groupOf(doc.syncGroups, instance.name))),
    syncGroups: doc.syncGroups,
  };
}

/** The first group that lists the instance (cross-checks refuse an instance in two). */
function groupOf(groups: ConfigDocument['syncGroups'], name: string): string | undefined {
  return groups.find((group) => group.instances.includes(name))?.name;
}

function buildInstance(doc: InstanceDocument, syncGroup: string | undefined): InstanceConfig {
  const { virtualAddresses, unicastPeers, peers, sourceAddress, groupMasterAddress, ...scalars } = doc;
  const vips = virtualAddresses.map((text) => parsed(parseCidr(text)));
  const first = vips[0];
  if (first === undefined) throw new Error('bug: schema let an instance through without virtual addresses');
  return {
    ...scalars,
    announce: { ...doc.announce },
    // The first address decides; cross-checks report any other family.
    family: first.family,
    virtualAddresses: vips,
    unicastPeers: addressList(unicastPeers),
    peers: addressList(peers),
    sourceAddress: optionalAddress(sourceAddress),
    groupMasterAddress: optionalAddress(groupMasterAddress),
    ...(syncGroup === undefined ? {} : { syncGroup }),
  };
}

function addressList(texts: readonly string[] | undefined) {
  return texts?.map((text) => parsed(parseAddress(text)));
}

function optionalAddress(text: string | undefined) {
  return text === undefined ? undefined : parsed(parseAddress(text));
}

// The schema's ipAddress keyword has already accepted every address, so a
// failure here is our bug, not the user's.
function parsed<T>(result: ParseResult<T>): T {
  if (!result.ok) throw new Error(`bug: schema accepted an address that does not parse: ${result.reason}`);
  return result.value;
}
