using System.Numerics;
using Hebb.Autograd;
using Hebb.Kernels;

namespace Hebb
{
    /// <summary>The recurrent cells, with PyTorch's gate layout in weight_ih / weight_hh.</summary>
    public enum RecurrentCell
    {
        /// <summary>Elman RNN, h_t = tanh(W_ih x_t + b_ih + W_hh h_(t-1) + b_hh); one gate block.</summary>
        Rnn,
        /// <summary>LSTM, gate blocks in the order i, f, g (the candidate cell state, often written C~), o.</summary>
        Lstm,
        /// <summary>GRU, gate blocks in the order r, z, n.</summary>
        Gru,
    }
}

namespace Hebb.Ops
{
    /// <summary>
    /// One recurrent layer over a whole sequence as a single graph node. The input projection
    /// xg = x W_ihᵀ + b_ih for all time steps is one GEMM done before (by Linear); this op runs the
    /// recurrence: per step one GEMM h_(t-1) W_hhᵀ (+ b_hh) and the fused point-wise cell. Its backward
    /// walks the steps in reverse (one GEMM per step for the gradient of h_(t-1)) and then gets
    /// dW_hh for all steps at once with one GEMM, so nothing is recorded per step.
    ///
    /// Output (batch first): for RNN and GRU the hidden states (B, T, H); for LSTM (2, B, T, H) with the
    /// hidden states in [0] and the cell states C_t in [1], so that h_n and c_n are views of it and
    /// gradients arriving on any of them flow back.
    /// </summary>
    internal static class RecurrentOp
    {
        public static int Gates(RecurrentCell cell) => cell switch { RecurrentCell.Lstm => 4, RecurrentCell.Gru => 3, _ => 1 };

        public static Tensor Forward(RecurrentCell cell, Tensor xg, Tensor weightHh, Tensor biasHh, Tensor h0, Tensor? c0)
        {
            string op = cell.ToString().ToUpperInvariant();
            Pointwise.CheckSameFloat(xg, weightHh, op);
            Pointwise.CheckSameFloat(xg, biasHh, op);
            Pointwise.CheckSameFloat(xg, h0, op);
            int gates = Gates(cell);
            if (weightHh.Rank != 2 || weightHh.ShapeArray[0] != gates * weightHh.ShapeArray[1])
                throw new ArgumentException($"{op}: weight_hh must be ({gates}·hidden, hidden), got {ShapeUtil.Format(weightHh.Shape)}");
            int hidden = weightHh.ShapeArray[1], gh = gates * hidden;
            if (xg.Rank != 3 || xg.ShapeArray[2] != gh)
                throw new ArgumentException($"{op}: projected input must be (batch, time, {gh}), got {ShapeUtil.Format(xg.Shape)}");
            int batch = xg.ShapeArray[0], steps = xg.ShapeArray[1];
            if (biasHh.Rank != 1 || biasHh.ShapeArray[0] != gh)
                throw new ArgumentException($"{op}: bias_hh must be ({gh}), got {ShapeUtil.Format(biasHh.Shape)}");
            if (h0.Rank != 2 || h0.ShapeArray[0] != batch || h0.ShapeArray[1] != hidden)
                throw new ArgumentException($"{op}: initial hidden state must be ({batch}, {hidden}), got {ShapeUtil.Format(h0.Shape)}");
            if ((cell == RecurrentCell.Lstm) != (c0 is not null))
                throw new ArgumentException($"{op}: an initial cell state is {(c0 is null ? "required" : "only for LSTM")}");
            if (c0 is not null)
            {
                Pointwise.CheckSameFloat(xg, c0, op);
                if (c0.Rank != 2 || c0.ShapeArray[0] != batch || c0.ShapeArray[1] != hidden)
                    throw new ArgumentException($"{op}: initial cell state must be ({batch}, {hidden}), got {ShapeUtil.Format(c0.Shape)}");
            }
            if (steps == 0) throw new ArgumentException($"{op}: the sequence is empty (time = 0)");

            var state = new Saved(cell, batch, steps, hidden, xg.DType);
            if (xg.DType == DType.Float32)
                Run<float>(state, Dense(xg), Dense(weightHh), Dense(biasHh), Dense(h0), c0 is null ? null : Dense(c0));
            else Run<double>(state, Dense(xg), Dense(weightHh), Dense(biasHh), Dense(h0), c0 is null ? null : Dense(c0));

            Tensor[] inputs = c0 is null ? [xg, weightHh, biasHh, h0] : [xg, weightHh, biasHh, h0, c0];
            if (GradMode.ShouldRecord(inputs)) state.Output.GradFn = new RecurrentBackward(inputs, state);
            else state.DropSaved();
            return state.Output;
        }

        private static Tensor Dense(Tensor t) => t.IsContiguous ? t : t.Detach().Contiguous();

        /// <summary>What the forward keeps for the backward; buffers come from the step's pool.</summary>
        internal sealed class Saved
        {
            public readonly RecurrentCell Cell;
            public readonly int Batch, Steps, Hidden;
            public Tensor Output;           // RNN/GRU (B,T,H); LSTM (2,B,T,H)
            public Tensor? Gates;           // activated gates (B,T,G·H) (LSTM, GRU)
            public Tensor? Extra;           // LSTM: tanh(C_t); GRU: W_hn h_(t-1) + b_hn; (B,T,H)
            public Tensor? H0, C0;          // dense copies of the initial state

            public Saved(RecurrentCell cell, int batch, int steps, int hidden, DType dtype)
            {
                (Cell, Batch, Steps, Hidden) = (cell, batch, steps, hidden);
                Output = cell == RecurrentCell.Lstm
                    ? Tensor.Uninitialized(dtype, [2, batch, steps, hidden])
                    : Tensor.Uninitialized(dtype, [batch, steps, hidden]);
                if (cell != RecurrentCell.Rnn)
                {
                    Gates = Tensor.Uninitialized(dtype, [batch, steps, Gates(cell) * hidden]);
                    Extra = Tensor.Uninitialized(dtype, [batch, steps, hidden]);
                }
            }

            /// <summary>The record of a finished forward, rebuilt from what the backward node saved.</summary>
            public Saved(
                RecurrentCell cell, int batch, int steps, int hidden, Tensor output, Tensor? gates, Tensor? extra, Tensor? h0, Tensor? c0)
            {
                (Cell, Batch, Steps, Hidden) = (cell, batch, steps, hidden);
                (Output, Gates, Extra, H0, C0) = (output, gates, extra, h0, c0);
            }

            public void DropSaved() { Gates = Extra = H0 = C0 = null; }
        }

        private static void Run<T>(Saved s, Tensor xg, Tensor w, Tensor b, Tensor h0, Tensor? c0)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int B = s.Batch, T_ = s.Steps, H = s.Hidden, GH = Gates(s.Cell) * H;
            s.H0 = h0;
            s.C0 = c0;
            var x = xg.Data<T>().AsSpan(xg.Offset);
            var y = s.Output.Data<T>();
            var bias = b.Data<T>().AsSpan(b.Offset, GH);
            var gatesAll = s.Gates?.Data<T>();
            var extra = s.Extra?.Data<T>();
            int cBase = B * T_ * H; // LSTM: where the C_t half of the output starts
            var rec = Tensor.Uninitialized(xg.DType, [B, GH]);
            var r = rec.Data<T>();
            // W_hhᵀ copied dense once: packing it from the transposed view at every step cost as much as the product.
            var wT = w.Detach().T.Contiguous();
            var wt = wT.Data<T>();
            for (int t = 0; t < T_; t++)
            {
                // rec = b_hh + h_(t-1) W_hhᵀ: h_(t-1) is h0, or column t-1 of the output read with row stride T·H.
                Copy.RepeatRow<T>(bias, r, B);
                if (t == 0) Gemm.Multiply(h0.Data<T>(), h0.Offset, H, 1, wt, 0, GH, 1, r, 0, B, H, GH, accumulate: true);
                else Gemm.Multiply(y, (t - 1) * H, T_ * H, 1, wt, 0, GH, 1, r, 0, B, H, GH, accumulate: true);
                for (int bi = 0; bi < B; bi++)
                {
                    int row = bi * T_ + t;
                    var xRow = x.Slice(row * GH, GH);
                    var rRow = r.AsSpan(bi * GH, GH);
                    var h = y.AsSpan(row * H, H);
                    switch (s.Cell)
                    {
                        case RecurrentCell.Lstm:
                            var cPrev = t == 0 ? c0!.Data<T>().AsSpan(c0.Offset + bi * H, H) : y.AsSpan(cBase + (row - 1) * H, H);
                            RecurrentCells.LstmForward<T>(
                                xRow, rRow, cPrev, gatesAll.AsSpan(row * GH, GH), y.AsSpan(cBase + row * H, H),
                                extra.AsSpan(row * H, H), h);
                            break;
                        case RecurrentCell.Gru:
                            var hPrev = t == 0 ? h0.Data<T>().AsSpan(h0.Offset + bi * H, H) : y.AsSpan((row - 1) * H, H);
                            RecurrentCells.GruForward<T>(xRow, rRow, hPrev, gatesAll.AsSpan(row * GH, GH), extra.AsSpan(row * H, H), h);
                            break;
                        default:
                            RecurrentCells.RnnForward<T>(xRow, rRow, h);
                            break;
                    }
                }
            }
        }

        /// <summary>Inputs: xg, weight_hh, bias_hh, h0 (and c0 for LSTM).</summary>
        internal sealed class RecurrentBackward(Tensor[] inputs, Saved saved)
            : Node(inputs, saveForBackward: [saved.Output, saved.Gates, saved.Extra, saved.H0, saved.C0])
        {
            private readonly (RecurrentCell Cell, int Batch, int Steps, int Hidden) _sizes =
                (saved.Cell, saved.Batch, saved.Steps, saved.Hidden);

            public override string Name => $"{_sizes.Cell}Backward";

            public override Tensor?[] Backward(Tensor g)
            {
                var s = new Saved(_sizes.Cell, _sizes.Batch, _sizes.Steps, _sizes.Hidden,
                    Saved(0), SavedOrNull(1), SavedOrNull(2), SavedOrNull(3), SavedOrNull(4));
                var gd = g.Contiguous();
                return g.DType == DType.Float32 ? Run<float>(s, gd) : Run<double>(s, gd);
            }

            private Tensor?[] Run<T>(Saved s, Tensor g) where T : unmanaged, IFloatingPointIeee754<T>
            {
                int B = s.Batch, T_ = s.Steps, H = s.Hidden, GH = Gates(s.Cell) * H;
                var dtype = g.DType;
                var w = Dense(Input(1));
                var wd = w.Data<T>();
                var gy = g.Data<T>().AsSpan(g.Offset);
                var y = s.Output.Data<T>();
                int cBase = B * T_ * H;
                var h0 = s.H0!.Data<T>().AsSpan(s.H0.Offset, B * H);

                // dX: gradient of xg. dRec: of the recurrent rows (the same as dX except for the GRU's n gate).
                var dXt = Tensor.Uninitialized(dtype, [B, T_, GH]);
                var dRecT = s.Cell == RecurrentCell.Gru ? Tensor.Uninitialized(dtype, [B, T_, GH]) : dXt;
                var dX = dXt.Data<T>();
                var dRec = dRecT.Data<T>();
                var dhCarryT = Tensor.Zeros(dtype, [B, H]);      // gradient of h_t coming from step t+1
                var dcT = s.Cell == RecurrentCell.Lstm ? Tensor.Zeros(dtype, [B, H]) : null;
                var dhT = Tensor.Uninitialized(dtype, [B, H]);   // total gradient of h_t
                var dhCarry = dhCarryT.Data<T>();
                var dhTot = dhT.Data<T>();
                var dhTr = Tensor.Uninitialized(dtype, [H, B]).Data<T>(); // dh_(t-1)ᵀ before it is added into dhCarry
                bool needH0 = NeedsGrad(3);

                for (int t = T_ - 1; t >= 0; t--)
                {
                    for (int bi = 0; bi < B; bi++)
                    {
                        int row = bi * T_ + t;
                        var dh = dhTot.AsSpan(bi * H, H);
                        RecurrentCells.Add<T>(gy.Slice(row * H, H), dhCarry.AsSpan(bi * H, H), dh);
                        switch (s.Cell)
                        {
                            case RecurrentCell.Lstm:
                                var dc = dcT!.Data<T>().AsSpan(bi * H, H);
                                RecurrentCells.Add<T>(dc, gy.Slice(cBase + row * H, H), dc);
                                var cPrev = t == 0 ? s.C0!.Data<T>().AsSpan(s.C0.Offset + bi * H, H) : y.AsSpan(cBase + (row - 1) * H, H);
                                RecurrentCells.LstmBackward<T>(
                                    s.Gates!.Data<T>().AsSpan(row * GH, GH), s.Extra!.Data<T>().AsSpan(row * H, H), cPrev, dh, dc,
                                    dX.AsSpan(row * GH, GH));
                                break;
                            case RecurrentCell.Gru:
                                var hPrev = t == 0 ? h0.Slice(bi * H, H) : y.AsSpan((row - 1) * H, H);
                                RecurrentCells.GruBackward<T>(
                                    s.Gates!.Data<T>().AsSpan(row * GH, GH), s.Extra!.Data<T>().AsSpan(row * H, H), hPrev, dh,
                                    dX.AsSpan(row * GH, GH), dRec.AsSpan(row * GH, GH), dhCarry.AsSpan(bi * H, H));
                                break;
                            default:
                                RecurrentCells.RnnBackward<T>(y.AsSpan(row * H, H), dh, dX.AsSpan(row * GH, GH));
                                break;
                        }
                    }
                    // dh_(t-1) (+)= dRec_t · W_hh, computed transposed as W_hhᵀ · dRec_tᵀ (H x B): with the long side
                    // as the rows of C the product splits evenly over threads (measured 1.4x faster), then added in.
                    if (t > 0 || needH0)
                    {
                        Gemm.Multiply(wd, w.Offset, 1, H, dRec, t * GH, 1, T_ * GH, dhTr, 0, H, GH, B);
                        RecurrentCells.FromTransposed<T>(dhTr, dhCarry, B, H, add: s.Cell == RecurrentCell.Gru);
                    }
                }

                Tensor? dW = null, dB = null;
                if (NeedsGrad(1))
                {
                    // h_(t-1) for every (b, t): the outputs shifted one step, h0 first; then dW_hh = dRecᵀ · hPrev in one GEMM.
                    var hPrevT = Tensor.Uninitialized(dtype, [B * T_, H]);
                    var hp = hPrevT.Data<T>();
                    RecurrentCells.PreviousStates<T>(h0, y, hp, B, T_, H);
                    dW = Tensor.Uninitialized(dtype, [GH, H]);
                    Gemm.Multiply(dRec, 0, 1, GH, hp, 0, H, 1, dW.Data<T>(), 0, GH, B * T_, H);
                }
                if (NeedsGrad(2)) dB = dRecT.Reshape(B * T_, GH).Sum(0);
                Tensor? dh0 = needH0 ? dhCarryT : null;
                if (s.Cell == RecurrentCell.Lstm)
                    return [NeedsGrad(0) ? dXt : null, dW, dB, dh0, NeedsGrad(4) ? dcT : null];
                return [NeedsGrad(0) ? dXt : null, dW, dB, dh0];
            }
        }
    }
}
