/** The part of one candidate's explanations that is not zero, by ascending group index. */
export interface SparseExplanations {
  groups: number[];
  strength: number[];
  claim: number[];
  /** Whether the group is reached without calls (GroupExplanation.direct). */
  direct: boolean[];
  /** When the change took effect on the group (GroupExplanation.effectiveAt, else the change's time). */
  start: number[];
}
