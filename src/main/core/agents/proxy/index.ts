/**
 * The metering proxy between agents and model servers: keys, budgets, usage and cost.
 */
export { MeteringProxy, RAW_EXCHANGES_NAME, type AttemptBudget, type ExchangeRecord, type MeteringProxyOptions, type Upstream } from './metering-proxy';
export { costUsd, readUsage, zeroUsage, type Prices, type TokenCounts, type Usage, type WireApi } from './usage';
