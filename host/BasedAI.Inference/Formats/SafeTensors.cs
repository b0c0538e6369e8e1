using System.Buffers.Binary;
using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;
using System.Text.Json;
using BasedAI.Inference.Tensors;

namespace BasedAI.Inference.Formats;

/// <summary>One tensor entry of a safetensors header.</summary>
/// <param name="Name">Tensor name.</param>
/// <param name="DType">Element type as written (F32, F16, BF16, …).</param>
/// <param name="Shape">Dimensions.</param>
/// <param name="Begin">Start of the data, relative to the end of the header.</param>
/// <param name="End">End of the data (exclusive), relative to the end of the header.</param>
public sealed record SafeTensorInfo(string Name, string DType, int[] Shape, long Begin, long End)
{
    /// <summary>The shape as text.</summary>
    public string ShapeText => "[" + string.Join(", ", Shape) + "]";
}

/// <summary>
/// A memory-mapped safetensors file (8-byte little-endian header length, JSON header, packed data). The header is
/// validated in full on open: types, shapes against byte ranges, ranges within the file and without overlap.
/// Tensors are read as float32 (F32, F16 and BF16 are converted).
/// </summary>
public sealed unsafe class SafeTensorFile : IDisposable
{
    private const long MaxHeaderBytes = 100L << 20;
    private readonly MemoryMappedFile? _map;
    private readonly MemoryMappedViewAccessor? _view;
    private readonly byte* _base;
    private readonly long _dataStart;
    private readonly long _length;
    private readonly Dictionary<string, SafeTensorInfo> _tensors;

    private SafeTensorFile(string path)
    {
        Path = path;
        // Opened through a stream so that symbolic links (the hub cache's snapshots) resolve to their blob.
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        _length = stream.Length;
        if (_length < 8)
        {
            stream.Dispose();
            throw new InvalidDataException($"{path}: not a safetensors file (only {_length} bytes, the header length alone takes 8)");
        }
        _map = MemoryMappedFile.CreateFromFile(stream, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
        try
        {
            _view = _map.CreateViewAccessor(0, _length, MemoryMappedFileAccess.Read);
            byte* pointer = null;
            _view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
            _base = pointer + _view.PointerOffset;
            ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(new ReadOnlySpan<byte>(_base, 8));
            if (headerLength > (ulong)(_length - 8) || headerLength > MaxHeaderBytes)
            {
                throw new InvalidDataException($"{path}: header length {headerLength} does not fit in the file of {_length} bytes (truncated or not safetensors)");
            }
            _dataStart = 8 + (long)headerLength;
            (_tensors, Metadata) = ParseHeader(new ReadOnlySpan<byte>(_base + 8, (int)headerLength), _length - _dataStart, path);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The file's path.</summary>
    public string Path { get; }

    /// <summary>The optional <c>__metadata__</c> string map.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Tensor entries by name.</summary>
    public IReadOnlyDictionary<string, SafeTensorInfo> Tensors => _tensors;

    /// <summary>Opens and validates a safetensors file.</summary>
    public static SafeTensorFile Open(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"safetensors file not found: {path}", path);
        }
        return new SafeTensorFile(path);
    }

    /// <summary>Reads one tensor as float32.</summary>
    public Tensor Read(string name, string? newName = null)
    {
        if (!_tensors.TryGetValue(name, out SafeTensorInfo? info))
        {
            throw new InvalidDataException($"{Path}: no tensor named '{name}'");
        }
        var data = new float[(int)ElementCount(info.Shape)];
        var bytes = new ReadOnlySpan<byte>(_base + _dataStart + info.Begin, checked((int)(info.End - info.Begin)));
        switch (info.DType)
        {
            case "F32":
                MemoryMarshal.Cast<byte, float>(bytes).CopyTo(data);
                if (!BitConverter.IsLittleEndian)
                {
                    throw new PlatformNotSupportedException("big-endian hosts are not supported");
                }
                break;
            case "F16":
                for (int i = 0; i < data.Length; i++)
                {
                    data[i] = (float)BitConverter.UInt16BitsToHalf(BinaryPrimitives.ReadUInt16LittleEndian(bytes[(2 * i)..]));
                }
                break;
            case "BF16":
                for (int i = 0; i < data.Length; i++)
                {
                    data[i] = BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(bytes[(2 * i)..]) << 16);
                }
                break;
            default:
                throw new InvalidDataException($"{Path}: tensor '{name}' has type {info.DType}; only F32, F16 and BF16 can be loaded");
        }
        return new Tensor(newName ?? name, info.Shape, data);
    }

    private static long ElementCount(int[] shape)
    {
        long count = 1;
        foreach (int d in shape)
        {
            count *= d;
        }
        return count;
    }

    private static int DTypeSize(string dtype) => dtype switch
    {
        "F64" or "I64" or "U64" => 8,
        "F32" or "I32" or "U32" => 4,
        "F16" or "BF16" or "I16" or "U16" => 2,
        "I8" or "U8" or "BOOL" or "F8_E4M3" or "F8_E5M2" => 1,
        _ => 0,
    };

    private static (Dictionary<string, SafeTensorInfo>, IReadOnlyDictionary<string, string>) ParseHeader(ReadOnlySpan<byte> header, long dataLength, string path)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(header.ToArray());
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: the header is not valid JSON ({e.Message})", e);
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidDataException($"{path}: the header must be a JSON object");
            }
            var tensors = new Dictionary<string, SafeTensorInfo>(StringComparer.Ordinal);
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (JsonProperty property in document.RootElement.EnumerateObject())
            {
                if (property.Name == "__metadata__")
                {
                    if (property.Value.ValueKind != JsonValueKind.Object)
                    {
                        throw new InvalidDataException($"{path}: __metadata__ must be an object of strings");
                    }
                    foreach (JsonProperty m in property.Value.EnumerateObject())
                    {
                        metadata[m.Name] = m.Value.ValueKind == JsonValueKind.String ? m.Value.GetString()! :
                            throw new InvalidDataException($"{path}: __metadata__ value '{m.Name}' is not a string");
                    }
                    continue;
                }
                tensors.Add(property.Name, ParseEntry(property, dataLength, path));
            }
            long cursor = 0;
            foreach (SafeTensorInfo info in tensors.Values.OrderBy(t => t.Begin).ThenBy(t => t.End))
            {
                if (info.Begin < cursor)
                {
                    throw new InvalidDataException($"{path}: tensor '{info.Name}' overlaps the previous tensor's data");
                }
                cursor = info.End;
            }
            return (tensors, metadata);
        }
    }

    private static SafeTensorInfo ParseEntry(JsonProperty property, long dataLength, string path)
    {
        string name = property.Name;
        JsonElement e = property.Value;
        if (e.ValueKind != JsonValueKind.Object ||
            !e.TryGetProperty("dtype", out JsonElement dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String ||
            !e.TryGetProperty("shape", out JsonElement shapeElement) || shapeElement.ValueKind != JsonValueKind.Array ||
            !e.TryGetProperty("data_offsets", out JsonElement offsets) || offsets.ValueKind != JsonValueKind.Array || offsets.GetArrayLength() != 2)
        {
            throw new InvalidDataException($"{path}: tensor '{name}' needs dtype (string), shape (array) and data_offsets ([begin, end])");
        }
        string dtype = dtypeElement.GetString()!;
        int size = DTypeSize(dtype);
        if (size == 0)
        {
            throw new InvalidDataException($"{path}: tensor '{name}' has unknown dtype '{dtype}'");
        }
        var shape = new int[shapeElement.GetArrayLength()];
        int i = 0;
        foreach (JsonElement d in shapeElement.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt32(out int dim) || dim < 0)
            {
                throw new InvalidDataException($"{path}: tensor '{name}' has an invalid dimension {d}");
            }
            shape[i++] = dim;
        }
        if (!offsets[0].TryGetInt64(out long begin) || !offsets[1].TryGetInt64(out long end) || begin < 0 || end < begin)
        {
            throw new InvalidDataException($"{path}: tensor '{name}' has invalid data_offsets {offsets}");
        }
        if (end > dataLength)
        {
            throw new InvalidDataException($"{path}: tensor '{name}' ends at byte {end} of the data but the file holds only {dataLength} (truncated?)");
        }
        long expected;
        try
        {
            expected = checked(ElementCount(shape) * size);
        }
        catch (OverflowException)
        {
            throw new InvalidDataException($"{path}: tensor '{name}' shape [{string.Join(", ", shape)}] is too large");
        }
        if (end - begin != expected)
        {
            throw new InvalidDataException($"{path}: tensor '{name}' of type {dtype} and shape [{string.Join(", ", shape)}] needs {expected} bytes but data_offsets give {end - begin}");
        }
        return new SafeTensorInfo(name, dtype, shape, begin, end);
    }

    /// <summary>Unmaps the file.</summary>
    public void Dispose()
    {
        if (_view != null && _base != null)
        {
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
        }
        _view?.Dispose();
        _map?.Dispose();
    }

    /// <summary>Writes float32 tensors as a safetensors file (entries sorted by name, header padded to 8 bytes).</summary>
    public static void Write(string path, IEnumerable<Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        List<Tensor> list = tensors.DistinctBy(t => t.Name).OrderBy(t => t.Name, StringComparer.Ordinal).ToList();
        using var header = new MemoryStream();
        using (var json = new Utf8JsonWriter(header))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject("__metadata__");
                foreach ((string key, string value) in metadata)
                {
                    json.WriteString(key, value);
                }
                json.WriteEndObject();
            }
            long offset = 0;
            foreach (Tensor t in list)
            {
                json.WriteStartObject(t.Name);
                json.WriteString("dtype", "F32");
                json.WriteStartArray("shape");
                foreach (int d in t.Shape)
                {
                    json.WriteNumberValue(d);
                }
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                offset += 4L * t.Length;
                json.WriteNumberValue(offset);
                json.WriteEndArray();
                json.WriteEndObject();
            }
            json.WriteEndObject();
        }
        while (header.Length % 8 != 0)
        {
            header.WriteByte((byte)' ');
        }
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write);
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
        file.Write(length);
        header.Position = 0;
        header.CopyTo(file);
        foreach (Tensor t in list)
        {
            file.Write(MemoryMarshal.AsBytes(t.Data.AsSpan()));
        }
    }
}
