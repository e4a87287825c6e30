/** Ten horizontal bars: the probability of each digit, the most likely one highlighted. */
export class ProbabilityBars {
  private readonly fills: HTMLElement[] = [];
  private readonly values: HTMLElement[] = [];

  constructor(root: HTMLElement) {
    for (let d = 0; d < 10; d++) {
      const row = document.createElement("div");
      row.className = "bar";
      row.innerHTML = `<span class="digit">${d}</span><span class="track"><span class="fill"></span></span><span class="value"></span>`;
      root.append(row);
      this.fills.push(row.querySelector(".fill")!);
      this.values.push(row.querySelector(".value")!);
    }
    this.show(null);
  }

  show(probabilities: ArrayLike<number> | null): void {
    let best = -1;
    if (probabilities) for (let d = 0; d < 10; d++) if (best < 0 || probabilities[d]! > probabilities[best]!) best = d;
    for (let d = 0; d < 10; d++) {
      const p = probabilities ? probabilities[d]! : 0;
      this.fills[d]!.style.width = `${(100 * p).toFixed(1)}%`;
      this.fills[d]!.classList.toggle("best", d === best);
      this.values[d]!.textContent = probabilities ? `${(100 * p).toFixed(1)}%` : "";
    }
  }
}
