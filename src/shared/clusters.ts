/**
 * Clusters: Docker Swarms the workbench runs attempts on while the ledger stays on this machine.
 * Shared by main, renderer and CLI (no node:* here).
 */
import { z } from 'zod';

/** A cluster's name as the user gives it (`lancer cluster add NAME`): short, shell- and label-safe. */
export const clusterNameSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, 'a cluster name is 1–40 lowercase letters, digits, - or _, starting with a letter or digit');

/**
 * A Docker daemon's address: `unix:///path/docker.sock` (a socket on this machine) or
 * `tcp://host:port` (always with mutual TLS: a daemon on TCP is root-equivalent on its host).
 */
export const daemonUrlSchema = z
  .string()
  .regex(/^(unix:\/\/\/[^\s]+|tcp:\/\/[A-Za-z0-9.-]+(:\d{1,5})?)$/, 'a daemon address is unix:///path/to/docker.sock or tcp://host:port');

export const clusterAddSchema = z
  .object({
    name: clusterNameSchema,
    manager: daemonUrlSchema,
    /** Folder with ca.pem, cert.pem and key.pem (the client's certificate); required for tcp://. */
    tlsDir: z.string().min(1).optional(),
  })
  .strict();

export type ClusterAddInput = z.infer<typeof clusterAddSchema>;

export interface ClusterSummary {
  name: string;
  kind: 'swarm';
  manager: string;
  tlsDir: string | null;
  createdAt: string;
}

/** A Swarm node as its manager lists it. */
export interface ClusterNode {
  id: string;
  hostname: string;
  role: 'manager' | 'worker';
  /** Swarm's view: ready, down, unknown, disconnected. */
  state: string;
  /** Whether Swarm may place work there: active, pause, drain. */
  availability: string;
  cpus: number;
  memoryBytes: number;
  /** The node's own daemon (its `lancer.endpoint` label); null when the label is missing. */
  endpoint: string | null;
}

export interface ClusterNodeStatus extends ClusterNode {
  /** Why the workbench cannot talk to that daemon, or null when it answered. */
  unreachable: string | null;
  /** Images asked about (a dataset's) that the node holds, and those it lacks. */
  images: { present: string[]; missing: string[] };
  /** Containers of this workbench's attempts running there now. */
  attemptsRunning: number;
}

export interface ClusterStatus {
  cluster: ClusterSummary;
  nodes: ClusterNodeStatus[];
}
