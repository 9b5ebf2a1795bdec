// The runtime floor: the cheapest Worker there is, for the benchmark's baseline.
export default { fetch() { return new Response('hello'); } };
