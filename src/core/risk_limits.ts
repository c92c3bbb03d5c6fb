/** Limits the RiskGate enforces; each may only be stricter than HARD_LIMITS. */
export interface RiskLimits {
  readonly maxPositionUsd: number;
  readonly maxDailyLossUsd: number;
  readonly maxLeverage: number;
}
