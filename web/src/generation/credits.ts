// Placeholder: the generation panel replaces it with the live frame credits of the signed-in user.
export interface CreditState {
  exhausted: boolean;
}

export function useCredits(): CreditState {
  return { exhausted: false };
}
