using System.Diagnostics;
using System.Numerics;
using BasedAI.Squeezing.Planning;
using BasedAI.ZkLlm.Client;
using BasedAI.ZkLlm.Miner;
using BasedAI.ZkLlm.Slots;
using BasedAI.ZkLlm.Transport;
using Xunit.Abstractions;

namespace BasedAI.ZkLlm.Tests;

public class ExploreTests(ITestOutputHelper output)
{
    sealed class Counting(IMinerBackend inner, Dictionary<string, (int, TimeSpan)> stats) : IMinerBackend
    {
        public int Slots => inner.Slots;
        public int DataLevels => inner.DataLevels;
        public double Prime(int level) => inner.Prime(level);
        public byte[] Parameters => inner.Parameters;
        public SlotPlaintext Encode(ReadOnlySpan<Complex> slots, int level, double scale) { var c = Stopwatch.StartNew(); var r = inner.Encode(slots, level, scale); Add("Encode", c); return r; }
        void Add(string n, Stopwatch c) { var (k, t) = stats.GetValueOrDefault(n); stats[n] = (k + 1, t + c.Elapsed); }
        public IMinerEvaluator CreateEvaluator(ReadOnlyMemory<byte> r, ReadOnlyMemory<byte> g, IReadOnlyCollection<int> s) => new E(inner.CreateEvaluator(r, g, s), this);
        sealed class E(IMinerEvaluator i, Counting o) : IMinerEvaluator
        {
            T M<T>(string n, Func<T> f) { var c = Stopwatch.StartNew(); var r = f(); o.Add(n, c); return r; }
            public IReadOnlyList<ReadOnlyMemory<byte>> HeldKeys => i.HeldKeys;
            public SlotValue Deserialize(ReadOnlySpan<byte> bytes, string what) { var c = Stopwatch.StartNew(); var r = i.Deserialize(bytes, what); o.Add("Deser", c); return r; }
            public byte[] Serialize(SlotValue v) => M("Ser", () => i.Serialize(v));
            public SlotValue MultiplyPlain(SlotValue a, SlotPlaintext p) => M("MulPlain", () => i.MultiplyPlain(a, p));
            public SlotValue Multiply(SlotValue a, SlotValue b) => M("Mul", () => i.Multiply(a, b));
            public SlotValue Relinearize(SlotValue a) => M("Relin", () => i.Relinearize(a));
            public SlotValue Rescale(SlotValue a) => M("Rescale", () => i.Rescale(a));
            public SlotValue ModSwitch(SlotValue a, int l) => M("ModSwitch", () => i.ModSwitch(a, l));
            public SlotValue Rotate(SlotValue a, int s) => M("Rotate", () => i.Rotate(a, s));
            public IReadOnlyList<SlotValue> RotateMany(SlotValue a, IReadOnlyList<int> s) => M("RotateMany" + s.Count, () => i.RotateMany(a, s));
            public SlotValue Add(SlotValue a, SlotValue b) => M("Add", () => i.Add(a, b));
            public SlotValue AddPlain(SlotValue a, SlotPlaintext p) => M("AddPlain", () => i.AddPlain(a, p));
            public SlotValue MultiplyConstant(SlotValue a, double v, double s) => M("MulConst", () => i.MultiplyConstant(a, v, s));
            public SlotValue AddConstant(SlotValue a, double v) => M("AddConst", () => i.AddConstant(a, v));
            public void Dispose() => i.Dispose();
        }
    }

    [Fact]
    public async Task Explore()
    {
        foreach ((string name, var model, HePlan plan) in new[] {
            ("squeezed", Fixtures.Squeezed.Model, Fixtures.Squeezed.Plan),
            ("unsqueezed28", Fixtures.Unsqueezed, HePlanCompiler.Compile(Fixtures.Unsqueezed, new PlanPrecision { WorkingScaleBits = 28, HeadroomBits = 11 }, squeezed: false)),
             })
        {
            output.WriteLine($"{name}: N={plan.Ckks.PolyModulusDegree} bits=[{string.Join(",", plan.Ckks.CoeffModulusBits)}] stages={plan.Stages.Count} rot={plan.RotationSteps.Length} [{string.Join(",", plan.RotationSteps)}] sec={plan.Ckks.SecurityBits}");
            var stats = new Dictionary<string, (int, TimeSpan)>();
            var clock = Stopwatch.StartNew();
            using var miner = new ZkLlmMiner(model, plan, new Counting(new CkksMinerBackend(plan.Ckks), stats));
            output.WriteLine($"miner prep {clock.Elapsed}");
            clock.Restart();
            await using var client = new ZkLlmClient(model, plan, new CkksClientBackend(plan.Ckks), new InProcessTransport(miner));
            await client.OpenAsync();
            output.WriteLine($"open {clock.Elapsed} keys {client.KeyBytes}");
            await using var pclient = new ZkLlmClient(model, plan, new PlainBackend(plan.Ckks.Slots, plan.Ckks.CoeffModulusBits), new InProcessTransport(new ZkLlmMiner(model, plan, new PlainBackend(plan.Ckks.Slots, plan.Ckks.CoeffModulusBits))));
            await pclient.OpenAsync();
            foreach (int t in new[] { 1, 403, 407 })
            {
                stats.Clear();
                double[] a = await client.StepAsync(t);
                double[] b = await pclient.StepAsync(t);
                double err = a.Zip(b).Max(p => Math.Abs(p.First - p.Second));
                output.WriteLine($"{client.LastStep} maxerr {err} argmax {Array.IndexOf(a, a.Max())} {Array.IndexOf(b, b.Max())}");
            }
            foreach (var kv in stats.OrderByDescending(k => k.Value.Item2)) output.WriteLine($"  {kv.Key}: {kv.Value.Item1} {kv.Value.Item2.TotalMilliseconds:0}ms");
        }
    }
}
