/** A small line chart on a canvas: training loss (left scale) and accuracy (0–100 %, right scale) by step. */
export interface ChartData {
  steps: number[];
  loss: number[];
  accuracy: number[];
}

export class LineChart {
  readonly data: ChartData = { steps: [], loss: [], accuracy: [] };
  private readonly ctx: CanvasRenderingContext2D;

  constructor(private readonly canvas: HTMLCanvasElement) {
    this.ctx = canvas.getContext("2d")!;
    this.draw();
  }

  add(step: number, loss: number, accuracy: number): void {
    this.data.steps.push(step);
    this.data.loss.push(loss);
    this.data.accuracy.push(accuracy);
    this.draw();
  }

  reset(): void {
    for (const list of Object.values(this.data)) list.length = 0;
    this.draw();
  }

  private draw(): void {
    const { ctx: c, canvas, data } = this;
    const W = canvas.width, H = canvas.height, pad = 34;
    c.clearRect(0, 0, W, H);
    c.font = "11px system-ui, sans-serif";
    c.strokeStyle = "#ccc";
    c.strokeRect(pad, 8, W - 2 * pad, H - 8 - pad);
    const lastStep = data.steps.at(-1) ?? 1;
    const maxLoss = Math.max(0.5, ...data.loss);
    const x = (s: number) => pad + ((W - 2 * pad) * s) / lastStep;
    const y = (v: number, max: number) => H - pad - ((H - 8 - pad) * v) / max;
    const line = (values: number[], max: number, color: string) => {
      c.strokeStyle = color;
      c.lineWidth = 2;
      c.beginPath();
      values.forEach((v, i) => (i === 0 ? c.moveTo(x(data.steps[i]!), y(v, max)) : c.lineTo(x(data.steps[i]!), y(v, max))));
      c.stroke();
    };
    line(data.loss, maxLoss, "#d9480f");
    line(data.accuracy, 1, "#1971c2");
    c.fillStyle = "#d9480f";
    c.fillText(maxLoss.toFixed(1), 4, 16);
    c.fillText("loss", 4, H - pad);
    c.fillStyle = "#1971c2";
    c.fillText("100%", W - pad + 4, 16);
    c.fillText("acc.", W - pad + 4, H - pad);
    c.fillStyle = "#555";
    c.fillText(`step ${data.steps.at(-1) ?? 0}`, W / 2 - 20, H - 10);
  }
}
