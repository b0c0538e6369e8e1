using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using BasedAI.Fhe;
using BasedAI.Fhe.LinearAlgebra;

namespace BasedAI.Host.Commands;

/// <summary>
/// <c>basedai fhe params|keygen|encrypt|decrypt|eval</c>: CKKS on SEAL-format files (binary, or base64 as node-seal's
/// saveToBase64 writes them), values as JSON arrays. Lets users and other tools check the engine against Microsoft SEAL.
/// </summary>
internal static class FheCommands
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static Command Create()
    {
        var fhe = new Command("fhe", "CKKS homomorphic encryption wire-compatible with Microsoft SEAL 4.1 (node-seal): parameters, keys, encryption, evaluation.");
        fhe.Subcommands.Add(CreateParams());
        fhe.Subcommands.Add(CreateKeygen());
        fhe.Subcommands.Add(CreateEncrypt());
        fhe.Subcommands.Add(CreateDecrypt());
        fhe.Subcommands.Add(CreateEval());
        return fhe;
    }

    private static Command CreateParams()
    {
        var degree = new Option<int?>("--poly-modulus-degree", "-n") { Description = "Polynomial modulus degree N: a power of two from 1024 to 65536." };
        var bits = new Option<string?>("--bits") { Description = "Comma-separated prime bit sizes, special prime last, e.g. 60,40,40,60 (primes chosen as SEAL's CoeffModulus::Create does)." };
        var useDefault = new Option<bool>("--default") { Description = "Use SEAL's default 128-bit chain for N (CoeffModulus::BFVDefault)." };
        var input = new Option<FileInfo?>("--in") { Description = "Describe an existing SEAL EncryptionParameters file instead of creating one." };
        var output = new Option<FileInfo?>("--out", "-o") { Description = "Where to write the SEAL EncryptionParameters file." };
        var security = SecurityOption();
        var base64 = Base64Option();
        var command = new Command("params", "Create CKKS encryption parameters (or describe a parameters file) and print them as JSON.")
        {
            degree, bits, useDefault, input, output, security, base64,
        };
        command.SetHandler(parse =>
        {
            CkksParameters parameters;
            var inputFile = parse.GetValue(input);
            if (inputFile is not null)
            {
                parameters = CkksParameters.Load(ReadSeal(inputFile));
            }
            else
            {
                int n = parse.GetValue(degree) ?? throw new ArgumentException("--poly-modulus-degree is required unless --in is given");
                string? bitList = parse.GetValue(bits);
                parameters = parse.GetValue(useDefault)
                    ? CkksParameters.Default(n)
                    : CkksParameters.Create(n, ParseIntegers(bitList ?? throw new ArgumentException("give --bits or --default"), "--bits"));
            }

            var context = CkksContext.Create(parameters, ParseSecurity(parse.GetValue(security)));
            var outputFile = parse.GetValue(output);
            if (outputFile is not null)
            {
                WriteSeal(outputFile, parameters.ToArray(), parse.GetValue(base64));
            }

            Console.WriteLine(Describe(context).ToJsonString(Indented));
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command CreateKeygen()
    {
        var parameters = ParamsOption();
        var security = SecurityOption();
        var outputDirectory = new Option<DirectoryInfo>("--out-dir") { Description = "Directory for secret_key.bin, public_key.bin, relin_keys.bin and galois_keys.bin.", Required = true };
        var steps = new Option<string?>("--steps") { Description = "Comma-separated rotation steps to make Galois keys for, e.g. \"1,2,-1\" (use --steps=... when the list starts with a minus)." };
        var conjugate = new Option<bool>("--conjugate") { Description = "Also make the Galois key for complex conjugation." };
        var defaultGalois = new Option<bool>("--default-galois") { Description = "Make SEAL's default Galois keys: every ±2^k rotation and conjugation." };
        var seeded = new Option<bool>("--seeded") { Description = "Write the public, relinearization and Galois keys in SEAL's half-size seeded form." };
        var compression = CompressionOption();
        var base64 = Base64Option();
        var command = new Command("keygen", "Generate a secret key and the public, relinearization and Galois keys derived from it.")
        {
            parameters, security, outputDirectory, steps, conjugate, defaultGalois, seeded, compression, base64,
        };
        command.SetHandler(parse =>
        {
            var context = LoadContext(parse, parameters, security);
            var directory = parse.GetRequiredValue(outputDirectory);
            directory.Create();
            var mode = ParseCompression(parse.GetValue(compression));
            bool asBase64 = parse.GetValue(base64);
            bool compact = parse.GetValue(seeded);
            using var keygen = new KeyGenerator(context);
            var written = new JsonArray();
            void Save(string name, byte[] bytes)
            {
                var file = new FileInfo(Path.Combine(directory.FullName, name));
                WriteSeal(file, bytes, asBase64);
                written.Add(file.FullName);
            }

            byte[] secret = keygen.SecretKey.ToArray(mode);
            Save("secret_key.bin", secret);
            Array.Clear(secret);
            Save("public_key.bin", keygen.CreatePublicKey().ToArray(mode, compact));
            Save("relin_keys.bin", keygen.CreateRelinearizationKeys().ToArray(mode, compact));
            string? stepList = parse.GetValue(steps);
            GaloisKeys? galois = parse.GetValue(defaultGalois)
                ? keygen.CreateGaloisKeys()
                : stepList is not null || parse.GetValue(conjugate)
                    ? keygen.CreateGaloisKeys(stepList is null ? [] : ParseIntegers(stepList, "--steps"), parse.GetValue(conjugate))
                    : null;
            if (galois is not null)
            {
                Save("galois_keys.bin", galois.ToArray(mode, compact));
            }

            Console.WriteLine(new JsonObject { ["files"] = written, ["parmsId"] = context.KeyLevel.ParmsId.ToString() }.ToJsonString(Indented));
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command CreateEncrypt()
    {
        var parameters = ParamsOption();
        var security = SecurityOption();
        var publicKey = new Option<FileInfo?>("--public-key") { Description = "Encrypt with this SEAL PublicKey file." };
        var secretKey = new Option<FileInfo?>("--secret-key") { Description = "Encrypt with this SEAL SecretKey file instead (symmetric)." };
        var values = ValuesOption("--values", "Values as a JSON array of numbers, or an array of arrays with --block-dimension.");
        var valuesFile = new Option<FileInfo?>("--values-file") { Description = "Read the JSON values from this file." };
        var scaleBits = new Option<double>("--scale-bits") { Description = "log2 of the encoding scale.", DefaultValueFactory = _ => 40 };
        var level = new Option<int?>("--level") { Description = "Data level to encrypt at (default: the first, with every data prime)." };
        var blockDimension = new Option<int?>("--block-dimension") { Description = "Pack several vectors of this dimension (replicated blocks) for matrix products." };
        var seeded = new Option<bool>("--seeded") { Description = "With --secret-key: write SEAL's half-size seeded ciphertext." };
        var output = new Option<FileInfo>("--out", "-o") { Description = "Where to write the SEAL Ciphertext file.", Required = true };
        var compression = CompressionOption();
        var base64 = Base64Option();
        var command = new Command("encrypt", "Encode a JSON vector and encrypt it into a SEAL ciphertext file.")
        {
            parameters, security, publicKey, secretKey, values, valuesFile, scaleBits, level, blockDimension, seeded, output, compression, base64,
        };
        command.SetHandler(parse =>
        {
            var context = LoadContext(parse, parameters, security);
            var slots = ReadSlots(parse, values, valuesFile, parse.GetValue(blockDimension), context.SlotCount);
            var target = ResolveLevel(context, parse.GetValue(level));
            var plain = new CkksEncoder(context).Encode(slots, Math.Pow(2, parse.GetValue(scaleBits)), target);
            Ciphertext ciphertext;
            var secretFile = parse.GetValue(secretKey);
            var publicFile = parse.GetValue(publicKey);
            if (secretFile is not null)
            {
                using var key = SecretKey.Load(context, ReadSeal(secretFile));
                ciphertext = new Encryptor(context, key).EncryptSymmetric(plain);
            }
            else if (publicFile is not null)
            {
                ciphertext = new Encryptor(context, PublicKey.Load(context, ReadSeal(publicFile))).Encrypt(plain);
            }
            else
            {
                throw new ArgumentException("give --public-key or --secret-key");
            }

            WriteSeal(parse.GetRequiredValue(output), ciphertext.ToArray(ParseCompression(parse.GetValue(compression)), parse.GetValue(seeded)), parse.GetValue(base64));
            Console.WriteLine(Summary(ciphertext).ToJsonString(Indented));
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command CreateDecrypt()
    {
        var parameters = ParamsOption();
        var security = SecurityOption();
        var secretKey = new Option<FileInfo>("--secret-key") { Description = "The SEAL SecretKey file.", Required = true };
        var input = new Option<FileInfo>("--in", "-i") { Description = "The SEAL Ciphertext file.", Required = true };
        var count = new Option<int?>("--count") { Description = "How many slots (or, with --block-dimension, vectors) to print; default all." };
        var blockDimension = new Option<int?>("--block-dimension") { Description = "Read vectors of this dimension from a block layout (the output of eval matvec)." };
        var output = new Option<FileInfo?>("--out", "-o") { Description = "Write the JSON values here instead of standard output." };
        var command = new Command("decrypt", "Decrypt a SEAL ciphertext file and print its slots as a JSON array.")
        {
            parameters, security, secretKey, input, count, blockDimension, output,
        };
        command.SetHandler(parse =>
        {
            var context = LoadContext(parse, parameters, security);
            using var key = SecretKey.Load(context, ReadSeal(parse.GetRequiredValue(secretKey)));
            var ciphertext = Ciphertext.Load(context, ReadSeal(parse.GetRequiredValue(input)));
            var values = new CkksEncoder(context).Decode(new Decryptor(context, key).Decrypt(ciphertext));
            string json;
            int? dimension = parse.GetValue(blockDimension);
            if (dimension is int d)
            {
                var layout = new BlockLayout(context.SlotCount, d);
                json = JsonSerializer.Serialize(layout.Unpack(values, parse.GetValue(count) ?? layout.Capacity));
            }
            else
            {
                int n = parse.GetValue(count) ?? values.Length;
                if (n < 0 || n > values.Length)
                {
                    throw new ArgumentException($"--count must be between 0 and {values.Length}");
                }

                json = JsonSerializer.Serialize(values[..n]);
            }

            var outputFile = parse.GetValue(output);
            if (outputFile is null)
            {
                Console.WriteLine(json);
            }
            else
            {
                File.WriteAllText(outputFile.FullName, json);
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static Command CreateEval()
    {
        var parameters = ParamsOption();
        var security = SecurityOption();
        var operation = new Option<string>("--op") { Description = "add, sub, multiply, square, negate, rescale, rotate, conjugate or matvec.", Required = true };
        operation.AcceptOnlyFromAmong("add", "sub", "multiply", "square", "negate", "rescale", "rotate", "conjugate", "matvec");
        var input = new Option<FileInfo>("--in", "-i") { Description = "The SEAL Ciphertext file to operate on.", Required = true };
        var second = new Option<FileInfo?>("--in2") { Description = "The second ciphertext for add, sub and multiply." };
        var plainValues = ValuesOption("--plain-values", "For add, sub, multiply: a JSON array of plaintext values instead of --in2.");
        var relinKeys = new Option<FileInfo?>("--relin-keys") { Description = "SEAL RelinKeys file: multiply and square relinearize with it." };
        var galoisKeys = new Option<FileInfo?>("--galois-keys") { Description = "SEAL GaloisKeys file for rotate, conjugate and matvec." };
        var steps = new Option<int>("--steps") { Description = "Rotation steps for rotate (positive: left)." };
        var matrix = new Option<string?>("--matrix") { Description = "For matvec: the plaintext matrix as a JSON array of rows." };
        var matrixFile = new Option<FileInfo?>("--matrix-file") { Description = "For matvec: read the JSON matrix from this file." };
        var rescale = new Option<bool>("--rescale") { Description = "Rescale the result of multiply, square or matvec to the next level." };
        var output = new Option<FileInfo>("--out", "-o") { Description = "Where to write the resulting SEAL Ciphertext file.", Required = true };
        var compression = CompressionOption();
        var base64 = Base64Option();
        var command = new Command("eval", "Apply a homomorphic operation to SEAL ciphertext files with the given evaluation keys.")
        {
            parameters, security, operation, input, second, plainValues, relinKeys, galoisKeys, steps, matrix, matrixFile, rescale, output, compression, base64,
        };
        command.SetHandler(parse =>
        {
            var context = LoadContext(parse, parameters, security);
            var relin = parse.GetValue(relinKeys) is FileInfo rk ? RelinearizationKeys.Load(context, ReadSeal(rk)) : null;
            var galois = parse.GetValue(galoisKeys) is FileInfo gk ? GaloisKeys.Load(context, ReadSeal(gk)) : null;
            var evaluator = new Evaluator(context, relin, galois);
            var a = Ciphertext.Load(context, ReadSeal(parse.GetRequiredValue(input)));
            string op = parse.GetRequiredValue(operation);
            var encoder = new CkksEncoder(context);
            var level = context.FindLevel(a.ParmsId)!;
            Ciphertext SecondCiphertext() => parse.GetValue(second) is FileInfo file
                ? Ciphertext.Load(context, ReadSeal(file))
                : throw new ArgumentException($"--op {op} needs --in2 or --plain-values");
            double[]? PlainValues(string name) => parse.GetValue(plainValues) is string json ? ParseVector(json, name, context.SlotCount) : null;
            Ciphertext result = op switch
            {
                "add" => PlainValues("--plain-values") is double[] p ? evaluator.AddPlain(a, encoder.Encode(p, a.Scale, level)) : evaluator.Add(a, SecondCiphertext()),
                "sub" => PlainValues("--plain-values") is double[] p ? evaluator.SubtractPlain(a, encoder.Encode(p, a.Scale, level)) : evaluator.Subtract(a, SecondCiphertext()),
                "multiply" => PlainValues("--plain-values") is double[] p
                    ? evaluator.MultiplyPlain(a, encoder.Encode(p, level.CoeffModulus[^1], level))
                    : evaluator.Multiply(a, SecondCiphertext()),
                "square" => evaluator.Square(a),
                "negate" => evaluator.Negate(a),
                "rescale" => evaluator.RescaleToNext(a),
                "rotate" => evaluator.Rotate(a, parse.GetValue(steps)),
                "conjugate" => evaluator.Conjugate(a),
                "matvec" => MatrixVectorProduct.Create(context, ReadMatrix(parse.GetValue(matrix), parse.GetValue(matrixFile)), level).Apply(evaluator, a),
                _ => throw new ArgumentException($"unknown operation {op}"),
            };
            if (result.Size > 2 && relin is not null)
            {
                evaluator.RelinearizeInPlace(result);
            }

            if (parse.GetValue(rescale))
            {
                evaluator.RescaleToNextInPlace(result);
            }

            WriteSeal(parse.GetRequiredValue(output), result.ToArray(ParseCompression(parse.GetValue(compression))), parse.GetValue(base64));
            var summary = Summary(result);
            summary["op"] = op;
            Console.WriteLine(summary.ToJsonString(Indented));
            return ExitCodes.Success;
        });
        return command;
    }

    private static Option<FileInfo> ParamsOption() => new("--params", "-p")
    {
        Description = "The SEAL EncryptionParameters file (from `basedai fhe params` or node-seal).",
        Required = true,
    };

    private static Option<string> SecurityOption() => new("--security")
    {
        Description = "Security level the parameters must meet: 128, 192, 256, or none (tests only).",
        DefaultValueFactory = _ => "128",
    };

    private static Option<string> CompressionOption()
    {
        var option = new Option<string>("--compression") { Description = "Compression of written SEAL files: none, zlib or zstd.", DefaultValueFactory = _ => "none" };
        option.AcceptOnlyFromAmong("none", "zlib", "zstd");
        return option;
    }

    private static Option<bool> Base64Option() => new("--base64")
    {
        Description = "Write files as base64 text, as node-seal's saveToBase64 does (inputs are detected automatically).",
    };

    private static Option<string?> ValuesOption(string name, string description) => new(name) { Description = description };

    private static CkksContext LoadContext(ParseResult parse, Option<FileInfo> parameters, Option<string> security) =>
        CkksContext.Create(CkksParameters.Load(ReadSeal(parse.GetRequiredValue(parameters))), ParseSecurity(parse.GetValue(security)));

    private static SecurityLevel ParseSecurity(string? value) => value switch
    {
        null or "128" => SecurityLevel.Tc128,
        "192" => SecurityLevel.Tc192,
        "256" => SecurityLevel.Tc256,
        "none" => SecurityLevel.None,
        _ => throw new ArgumentException($"--security must be 128, 192, 256 or none, not '{value}'"),
    };

    private static SealCompression ParseCompression(string? value) => value switch
    {
        null or "none" => SealCompression.None,
        "zlib" => SealCompression.Zlib,
        "zstd" => SealCompression.Zstd,
        _ => throw new ArgumentException($"--compression must be none, zlib or zstd, not '{value}'"),
    };

    private static CkksLevel ResolveLevel(CkksContext context, int? level)
    {
        if (level is null)
        {
            return context.FirstLevel;
        }

        if (level < 0 || level >= context.DataLevels.Count)
        {
            throw new ArgumentException($"--level must be between 0 and {context.DataLevels.Count - 1}");
        }

        return context.DataLevels[level.Value];
    }

    /// <summary>Reads a SEAL object file: binary (magic 5E A1) or base64 text of it.</summary>
    private static byte[] ReadSeal(FileInfo file)
    {
        byte[] bytes = File.ReadAllBytes(file.FullName);
        if (bytes.Length >= 2 && bytes[0] == 0x5E && bytes[1] == 0xA1)
        {
            return bytes;
        }

        try
        {
            byte[] decoded = Convert.FromBase64String(Encoding.ASCII.GetString(bytes).Trim());
            if (decoded.Length >= 2 && decoded[0] == 0x5E && decoded[1] == 0xA1)
            {
                return decoded;
            }
        }
        catch (FormatException)
        {
        }

        throw new FormatException($"{file.Name} is neither SEAL binary data (magic 5E A1) nor base64 of it");
    }

    private static void WriteSeal(FileInfo file, byte[] bytes, bool base64)
    {
        file.Directory?.Create();
        if (base64)
        {
            File.WriteAllText(file.FullName, Convert.ToBase64String(bytes));
        }
        else
        {
            File.WriteAllBytes(file.FullName, bytes);
        }
    }

    private static double[] ReadSlots(ParseResult parse, Option<string?> values, Option<FileInfo?> valuesFile, int? blockDimension, int slotCount)
    {
        string json = parse.GetValue(values)
            ?? (parse.GetValue(valuesFile) is FileInfo file ? File.ReadAllText(file.FullName) : throw new ArgumentException("give --values or --values-file"));
        if (blockDimension is int d)
        {
            var vectors = JsonSerializer.Deserialize<double[][]>(json) ?? throw new ArgumentException("the values are null");
            return new BlockLayout(slotCount, d).Pack(vectors);
        }

        return ParseVector(json, "--values", slotCount);
    }

    private static double[] ParseVector(string json, string name, int slotCount)
    {
        var vector = JsonSerializer.Deserialize<double[]>(json) ?? throw new ArgumentException($"{name} is null");
        if (vector.Length > slotCount)
        {
            throw new ArgumentException($"{name} has {vector.Length} values; at most {slotCount} fit");
        }

        return vector;
    }

    private static double[,] ReadMatrix(string? json, FileInfo? file)
    {
        json ??= file is not null ? File.ReadAllText(file.FullName) : throw new ArgumentException("matvec needs --matrix or --matrix-file");
        var rows = JsonSerializer.Deserialize<double[][]>(json) ?? throw new ArgumentException("the matrix is null");
        if (rows.Length == 0 || rows[0].Length == 0 || rows.Any(r => r.Length != rows[0].Length))
        {
            throw new ArgumentException("the matrix must be a non-empty JSON array of equally long rows");
        }

        var matrix = new double[rows.Length, rows[0].Length];
        for (int r = 0; r < rows.Length; r++)
        {
            for (int c = 0; c < rows[r].Length; c++)
            {
                matrix[r, c] = rows[r][c];
            }
        }

        return matrix;
    }

    private static int[] ParseIntegers(string list, string name)
    {
        try
        {
            return list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(s => int.Parse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture)).ToArray();
        }
        catch (FormatException)
        {
            throw new ArgumentException($"{name} must be a comma-separated list of integers, not '{list}'");
        }
    }

    private static JsonObject Describe(CkksContext context)
    {
        var parameters = context.Parameters;
        var primes = new JsonArray();
        foreach (ulong q in parameters.CoeffModulus)
        {
            primes.Add(JsonValue.Create(q));
        }

        var levels = new JsonArray();
        foreach (var level in context.DataLevels.Reverse())
        {
            levels.Add(new JsonObject { ["level"] = level.Index, ["bits"] = level.TotalCoeffModulusBitCount, ["parmsId"] = level.ParmsId.ToString() });
        }

        return new JsonObject
        {
            ["polyModulusDegree"] = parameters.PolyModulusDegree,
            ["slots"] = parameters.SlotCount,
            ["coeffModulus"] = primes,
            ["totalBits"] = parameters.TotalCoeffModulusBitCount,
            ["maxBitsAt128"] = CkksParameters.MaxCoeffModulusBitCount(parameters.PolyModulusDegree, SecurityLevel.Tc128),
            ["security"] = context.SecurityLevel.ToString(),
            ["keyParmsId"] = context.KeyLevel.ParmsId.ToString(),
            ["dataLevels"] = levels,
        };
    }

    private static JsonObject Summary(Ciphertext ciphertext) => new()
    {
        ["level"] = ciphertext.Level,
        ["size"] = ciphertext.Size,
        ["scaleBits"] = Math.Round(Math.Log2(ciphertext.Scale), 6),
    };
}
