// /etc/chasquid/chasquid.conf. Only keys every supported chasquid (1.11+) knows: an unknown key stops
// the daemon. No listen addresses: the Debian/Ubuntu units hand chasquid its sockets (25, 587, 465).

export interface ChasquidConfInput {
  /** PTR name: the greeting, and the HELO/EHLO chasquid uses when it delivers. */
  hostname: string;
  /** Monitoring HTTP server on 127.0.0.1; it has a POST /exit, so never a public address. */
  monitoringPort?: number;
}

export function renderChasquidConf(input: ChasquidConfInput): string {
  const lines = [
    "# chasquid configuration. Managed by mailstack: edit the stack config, not this file.",
    `hostname: "${input.hostname}"`,
  ];
  if (input.monitoringPort) lines.push(`monitoring_address: "127.0.0.1:${input.monitoringPort}"`);
  return `${lines.join("\n")}\n`;
}
