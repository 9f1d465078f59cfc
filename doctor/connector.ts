// How the doctor opens TCP connections: a real socket to address:port, or (in tests) a loopback
// server standing in for it. TLS runs on top of whatever socket this gives.
import * as net from "node:net";

export interface Connector {
  connect(address: string, port: number, timeoutMs: number): Promise<net.Socket>;
}

export const netConnector: Connector = {
  connect: (address, port, timeoutMs) =>
    new Promise((resolve, reject) => {
      const socket = net.connect({ host: address, port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(Object.assign(new Error(`timeout after ${timeoutMs} ms`), { code: "ETIMEDOUT" }));
      }, timeoutMs);
      socket.once("connect", () => {
        clearTimeout(timer);
        resolve(socket);
      });
      socket.once("error", (e) => {
        clearTimeout(timer);
        reject(e);
      });
    }),
};

/** Sends every address:port to a loopback port (tests): `{ 25: 2525, 465: 4465 }`. */
export function loopbackConnector(ports: Record<number, number>, host = "127.0.0.1"): Connector {
  return {
    connect: (_address, port, timeoutMs) => {
      const to = ports[port];
      if (to === undefined) return Promise.reject(Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }));
      return netConnector.connect(host, to, timeoutMs);
    },
  };
}
