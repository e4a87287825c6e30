declare module "asciichart" {
  export function plot(series: number[] | number[][], config?: { height?: number; format?: (x: number, i: number) => string; colors?: string[]; padding?: string; offset?: number; min?: number; max?: number }): string;
  export const blue: string;
  export const green: string;
  export const red: string;
  export const yellow: string;
  export const reset: string;
}
