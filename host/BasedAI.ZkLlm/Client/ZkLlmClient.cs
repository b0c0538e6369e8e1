using System.Diagnostics;
using System.Numerics;
using BasedAI.Inference.Model;
using BasedAI.Squeezing.Calibration;
using BasedAI.Squeezing.Evaluation;
using BasedAI.Squeezing.Fusion;
using BasedAI.Squeezing.Planning;
using BasedAI.Squeezing.Quantization;
using BasedAI.ZkLlm.Miner;
using BasedAI.ZkLlm.Protocol;
using BasedAI.ZkLlm.Slots;
using BasedAI.ZkLlm.Transport;

namespace BasedAI.ZkLlm.Client;

/// <summary>Time and traffic of one token.</summary>
/// <param name="Position">The token's position.</param>
/// <param name="Total">Wall time of the whole step.</param>
/// <param name="Client">Time the client spent (encoding, encrypting, decrypting, its non-linear steps, the LM head).</param>
/// <param name="Exchange">Time waiting on the transport (the miner's work and the transfers).</param>
/// <param name="BytesSent">Bytes sent to the miner.</param>
/// <param name="BytesReceived">Bytes received from the miner.</param>
/// <param name="RoundTrips">Requests made.</param>
public readonly record struct TokenStep(int Position, TimeSpan Total, TimeSpan Client, TimeSpan Exchange, long BytesSent, long BytesReceived, int RoundTrips);

/// <summary>The miner refused a request; <see cref="Code"/> and the message say why.</summary>
public sealed class ZkLlmException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ZkLlmException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public ZkLlmException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public ZkLlmException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception from a miner's error response.</summary>
    public ZkLlmException(ErrorCode code, string message)
        : base(message) => Code = code;

    /// <summary>The miner's error code.</summary>
    public ErrorCode Code { get; }
}

/// <summary>Options of a client.</summary>
public sealed record ZkLlmClientOptions
{
    /// <summary>Largest part evaluation keys are uploaded in.</summary>
    public int KeyPartBytes { get; init; } = 8 << 20;
}

/// <summary>
/// The client role: keeps the secret key (inside its <see cref="IClientBackend"/>), the token ids, the embeddings and the
/// residual stream. Per token it embeds, and for every stage of the plan encrypts what the stage needs (hybrid: normalised
/// inputs, attention probabilities and MLP activations, the non-linear steps it computes in clear; full: the residual
/// and the probabilities, the miner evaluating norms and activations as polynomials), sends ciphertexts, decrypts the
/// results; at the end it applies the final norm and the LM head. Only ciphertexts and evaluation keys leave it.
/// </summary>
public sealed class ZkLlmClient : IAsyncDisposable
{
    private readonly SqueezedModel _model;
    private readonly HePlan _plan;
    private readonly IClientBackend _backend;
    private readonly IZkLlmTransport _transport;
    private readonly ZkLlmClientOptions _options;
    private readonly double[] _residual;
    private readonly List<double>[] _inputScales;
    private Guid? _session;
    private double[][]? _probabilities;
    private double[]? _gate, _up;
    private TimeSpan _exchange;
    private long _sent, _received;
    private int _requests;

    /// <summary>A client for <paramref name="plan"/> over <paramref name="model"/>.</summary>
    public ZkLlmClient(SqueezedModel model, HePlan plan, IClientBackend backend, IZkLlmTransport transport, ZkLlmClientOptions? options = null)
    {
        _model = model ?? throw new ArgumentNullException(nameof(model));
        _plan = plan ?? throw new ArgumentNullException(nameof(plan));
        _backend = backend ?? throw new ArgumentNullException(nameof(backend));
        _transport = transport ?? throw new ArgumentNullException(nameof(transport));
        _options = options ?? new ZkLlmClientOptions();
        Squeezing.SqueezedArtifact.CheckPlan(plan, model, "plan");
        if (backend.Slots != plan.Ckks.Slots)
        {
            throw new ArgumentException($"the backend has {backend.Slots} slots; the plan needs {plan.Ckks.Slots}");
        }
        _residual = new double[model.Config.HiddenSize];
        _inputScales = Enumerable.Range(0, model.Config.LayerCount).Select(_ => new List<double>()).ToArray();
    }

    /// <summary>Position of the next token.</summary>
    public int Position { get; private set; }

    /// <summary>The last token's time and traffic.</summary>
    public TokenStep LastStep { get; private set; }

    /// <summary>Bytes of evaluation keys uploaded.</summary>
    public long KeyBytes { get; private set; }

    /// <summary>Opens a session: checks the plan and parameters with the miner, uploads the evaluation keys.</summary>
    public async Task OpenAsync(CancellationToken cancellationToken = default)
    {
        Message opened = await ExchangeAsync(new OpenMessage(ZkLlmMiner.PlanDigest(_plan), _backend.Parameters), cancellationToken).ConfigureAwait(false);
        _session = ((OpenedMessage)opened).Session;
        (byte[] relin, byte[] galois) = _backend.CreateEvaluationKeys(_plan.RotationSteps);
        KeyBytes = relin.Length + galois.Length;
        foreach ((KeyKind kind, byte[] bytes) in new[] { (KeyKind.Relinearization, relin), (KeyKind.Galois, galois) })
        {
            int parts = Math.Max(1, (bytes.Length + _options.KeyPartBytes - 1) / _options.KeyPartBytes);
            for (int p = 0; p < parts; p++)
            {
                int start = p * _options.KeyPartBytes, length = Math.Min(_options.KeyPartBytes, bytes.Length - start);
                await ExchangeAsync(new KeysMessage(_session.Value, kind, p, parts, bytes.AsSpan(start, Math.Max(0, length)).ToArray()), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Runs one token at the next position through every stage and returns its logits.</summary>
    public async Task<double[]> StepAsync(int token, CancellationToken cancellationToken = default)
    {
        Guid session = _session ?? throw new InvalidOperationException("open the session first");
        var clock = Stopwatch.StartNew();
        _exchange = TimeSpan.Zero;
        (_sent, _received, _requests) = (0, 0, 0);
        int t = Position;
        ClientMath.Embed(_model, token, t, _residual);
        for (int s = 0; s < _plan.Stages.Count; s++)
        {
            HeStage stage = _plan.Stages[s];
            IReadOnlyList<byte[]>[] inputs = stage.Inputs.Select(input => Prepare(stage, input, t)).ToArray();
            Message reply = await ExchangeAsync(new StageMessage(session, s, t, inputs), cancellationToken).ConfigureAwait(false);
            var result = (StageResultMessage)reply;
            if (result.Outputs.Count != stage.Outputs.Count)
            {
                throw new ZkLlmException($"stage '{stage.Name}': the miner returned {result.Outputs.Count} outputs, the plan has {stage.Outputs.Count}");
            }
            for (int o = 0; o < stage.Outputs.Count; o++)
            {
                Consume(stage, stage.Outputs[o], result.Outputs[o], t);
            }
        }
        int d = _model.Config.HiddenSize;
        double argument = ClientMath.NormArgument(_residual, _model.NormKind, _model.Config.NormEpsilon);
        var normalized = new double[d];
        ClientMath.Normalize(_residual, normalized, _model.NormKind, 1 / Math.Sqrt(argument));
        var logits = new double[_model.Config.VocabSize];
        ClientMath.Logits(_model, normalized, logits);
        Position++;
        LastStep = new TokenStep(t, clock.Elapsed, clock.Elapsed - _exchange, _exchange, _sent, _received, _requests);
        return logits;
    }

    /// <summary>Closes the session on the miner.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_session is { } session)
        {
            _session = null;
            try
            {
                await ExchangeAsync(new CloseMessage(session), CancellationToken.None).ConfigureAwait(false);
            }
            catch (ZkLlmException)
            {
                // The miner may already have dropped the session; nothing is left to release on this side.
            }
        }
        _backend.Dispose();
    }

    /// <summary>Encrypts one stage input: the client's value, quantized as the plan says, in the plan's layout.</summary>
    private byte[][] Prepare(HeStage stage, StageInput input, int t)
    {
        int layer = stage.Layer, slots = _plan.Ckks.Slots, d = _model.Config.HiddenSize;
        double scale = Math.Pow(2, input.ScaleBits);
        switch (input.Value)
        {
            case SqueezeSite.AttentionInput or SqueezeSite.MlpInput:
                {
                    var vector = new double[input.Width];
                    double argument = ClientMath.NormArgument(_residual, _model.NormKind, _model.Config.NormEpsilon);
                    ClientMath.Normalize(_residual, vector.AsSpan(0, d), _model.NormKind, 1 / Math.Sqrt(argument));
                    double adaptive = QuantizeScaled(vector.AsSpan(0, d), input.Quantization);
                    if (input.Width > d)
                    {
                        vector[d] = adaptive;
                    }
                    if (input.Value == SqueezeSite.AttentionInput)
                    {
                        SetScale(_inputScales[layer], t, adaptive);
                    }
                    else
                    {
                        _mlpScale = adaptive;
                    }
                    return Encrypt(vector, input, slots, scale);
                }
            case SqueezeSite.Residual:
                {
                    // Full mode: the miner normalizes; the client only encrypts the residual stream it keeps.
                    if (stage.Kind == StageKind.FullAttention)
                    {
                        SetScale(_inputScales[layer], t, 1);
                    }
                    else
                    {
                        _activationScale = 1;
                    }
                    return Encrypt(_residual.ToArray(), input, slots, scale);
                }
            case SqueezeSite.MlpActivation:
                {
                    int f = _model.Config.IntermediateSize;
                    var vector = new double[input.Width];
                    ClientMath.Activate(_gate, _up!, vector.AsSpan(0, f), _gate != null, NonLinearFunctions.Exact, layer);
                    double adaptive = QuantizeScaled(vector.AsSpan(0, f), input.Quantization);
                    if (input.Width > f)
                    {
                        vector[f] = adaptive;
                    }
                    _activationScale = adaptive;
                    return Encrypt(vector, input, slots, scale);
                }
            case SqueezeSite.Probabilities:
                {
                    int hd = _model.Config.HeadDim, block = input.Period, perCiphertext = slots / block, heads = _probabilities!.Length;
                    int count = (t / perCiphertext) + 1;
                    var result = new byte[count][];
                    var values = new Complex[slots];
                    for (int c = 0; c < count; c++)
                    {
                        Array.Clear(values);
                        for (int position = c * perCiphertext; position <= Math.Min(t, ((c + 1) * perCiphertext) - 1); position++)
                        {
                            int start = position % perCiphertext * block;
                            double inputScale = _inputScales[layer][position];
                            for (int h = 0; h < heads; h++)
                            {
                                double p = _probabilities[h][position] / inputScale;
                                for (int j = 0; j < hd; j++)
                                {
                                    values[start + (h * hd) + j] = p;
                                }
                            }
                        }
                        result[c] = _backend.Encrypt(values, input.Level, scale);
                    }
                    return result;
                }
            default:
                throw new InvalidOperationException($"the client cannot produce {input.Value}");
        }
    }

    private double _mlpScale = 1, _activationScale = 1;

    private static void SetScale(List<double> scales, int position, double value)
    {
        if (scales.Count == position)
        {
            scales.Add(value);
        }
        else
        {
            scales[position] = value;
        }
    }

    /// <summary>
    /// Quantizes in place and leaves the values multiplied by the adaptive factor S (paper §5.1), returning S; without
    /// quantization, S = 1. Every encrypted result computed from these values is divided by S on decryption.
    /// </summary>
    private static double QuantizeScaled(Span<double> values, QuantizationSettings? settings) =>
        settings == null ? 1 : AdaptiveQuantizer.Quantize(values, settings).Scale;

    private byte[][] Encrypt(double[] vector, StageInput input, int slots, double scale)
    {
        var values = new double[slots];
        Complex[] complex = new Complex[slots];
        if (input.Layout == InputLayout.Replicated)
        {
            SlotGeometry.Replicate(vector, input.Period, values);
            Fill(complex, values);
            return [_backend.Encrypt(complex, input.Level, scale)];
        }
        int perChunk = SlotGeometry.EFormCiphertextsPerChunk(input.Period, slots), chunks = SlotGeometry.Chunks(input.Width, input.Period);
        var result = new byte[chunks * perChunk][];
        for (int c = 0; c < chunks; c++)
        {
            for (int e = 0; e < perChunk; e++)
            {
                SlotGeometry.EForm(vector, input.Period, c, e, values);
                Fill(complex, values);
                result[(c * perChunk) + e] = _backend.Encrypt(complex, input.Level, scale);
            }
        }
        return result;
    }

    private static void Fill(Complex[] destination, double[] values)
    {
        for (int i = 0; i < values.Length; i++)
        {
            destination[i] = values[i];
        }
    }

    /// <summary>Decrypts one stage output and applies the client's step: softmax, residual additions, keeping gate/up.</summary>
    private void Consume(HeStage stage, StageOutput output, IReadOnlyList<byte[]> ciphertexts, int t)
    {
        int layer = stage.Layer, d = _model.Config.HiddenSize, f = _model.Config.IntermediateSize, slots = _plan.Ckks.Slots;
        string what = $"stage '{stage.Name}' output {output.Value}";
        switch (output.Value)
        {
            case OutputValue.Scores:
                {
                    int hd = _model.Config.HeadDim, heads = _model.KeptHeads[layer].Length, block = _plan.AttentionBlocks[layer], perCiphertext = slots / block;
                    int expected = (t / perCiphertext) + 1;
                    if (ciphertexts.Count != expected)
                    {
                        throw new ZkLlmException($"{what}: {ciphertexts.Count} ciphertexts, expected {expected}");
                    }
                    Complex[][] decrypted = ciphertexts.Select(c => _backend.Decrypt(c, what)).ToArray();
                    _probabilities = new double[heads][];
                    double own = _inputScales[layer][t];
                    for (int h = 0; h < heads; h++)
                    {
                        var row = new double[t + 1];
                        for (int position = 0; position <= t; position++)
                        {
                            Complex value = decrypted[position / perCiphertext][(position % perCiphertext * block) + (h * hd)];
                            row[position] = value.Real / (own * _inputScales[layer][position]);
                        }
                        NonLinearFunctions.ExactSoftmax(row);
                        QuantizationSettings? settings = NextProbabilityQuantization(layer);
                        if (settings != null)
                        {
                            AdaptiveQuantizer.FakeQuantize(row, settings);
                        }
                        _probabilities[h] = row;
                    }
                    return;
                }
            case OutputValue.AttentionOutput or OutputValue.MlpOutput:
                {
                    Complex[] values = Single(ciphertexts, what);
                    double divide = output.Value == OutputValue.MlpOutput ? _activationScale : 1;
                    for (int i = 0; i < d; i++)
                    {
                        _residual[i] += values[i].Real / divide;
                    }
                    return;
                }
            case OutputValue.GateUp:
                {
                    Complex[] values = Single(ciphertexts, what);
                    _gate = new double[f];
                    _up = new double[f];
                    for (int i = 0; i < f; i++)
                    {
                        _gate[i] = values[i].Real / _mlpScale;
                        _up[i] = values[i].Imaginary / _mlpScale;
                    }
                    return;
                }
            case OutputValue.Gate or OutputValue.Up:
                {
                    Complex[] values = Single(ciphertexts, what);
                    double[] target = new double[f];
                    for (int i = 0; i < f; i++)
                    {
                        target[i] = values[i].Real / _mlpScale;
                    }
                    if (output.Value == OutputValue.Gate)
                    {
                        _gate = target;
                    }
                    else
                    {
                        _up = target;
                        if (!stage.Outputs.Any(o => o.Value == OutputValue.Gate))
                        {
                            _gate = null;
                        }
                    }
                    return;
                }
            default:
                throw new ZkLlmException($"{what}: unknown output");
        }
    }

    private QuantizationSettings? NextProbabilityQuantization(int layer) =>
        _plan.Stages.First(s => s.Layer == layer && s.Kind == StageKind.AttentionOutput).Inputs[0].Quantization;

    private Complex[] Single(IReadOnlyList<byte[]> ciphertexts, string what) => ciphertexts.Count == 1
        ? _backend.Decrypt(ciphertexts[0], what)
        : throw new ZkLlmException($"{what}: {ciphertexts.Count} ciphertexts, expected 1");

    private async Task<Message> ExchangeAsync(Message message, CancellationToken cancellationToken)
    {
        byte[] request = MessageCodec.Encode(message);
        var clock = Stopwatch.StartNew();
        ReadOnlyMemory<byte> response = await _transport.ExchangeAsync(request, cancellationToken).ConfigureAwait(false);
        _exchange += clock.Elapsed;
        _sent += request.Length;
        _received += response.Length;
        _requests++;
        Message reply;
        try
        {
            reply = MessageCodec.Decode(response.Span);
        }
        catch (InvalidDataException e)
        {
            throw new ZkLlmException("the miner's response is malformed: " + e.Message, e);
        }
        if (reply is ErrorMessage error)
        {
            throw new ZkLlmException(error.Code, $"the miner refused {message.Type}: {error.Text}");
        }
        bool expected = message.Type switch
        {
            MessageType.Open => reply is OpenedMessage,
            MessageType.Stage => reply is StageResultMessage,
            _ => reply is AckMessage,
        };
        return expected ? reply : throw new ZkLlmException($"the miner answered {message.Type} with {reply.Type}");
    }
}
