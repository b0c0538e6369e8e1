using System.Diagnostics;
using System.Text.Json;

namespace BasedAI.Fhe.Tests;

/// <summary>`basedai fhe …` end to end, run as a child process of the built CLI.</summary>
public sealed class CliTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("basedai-fhe-cli-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Params_keygen_encrypt_eval_decrypt_round_trip()
    {
        var (code, output, error) = Run("params", "-n", "8192", "--bits", "60,40,40,60", "-o", Path("params.bin"));
        Assert.True(code == 0, error);
        using (var description = JsonDocument.Parse(output))
        {
            Assert.Equal(4096, description.RootElement.GetProperty("slots").GetInt32());
            Assert.Equal(3, description.RootElement.GetProperty("dataLevels").GetArrayLength());
        }

        Assert.Equal(0, Run("params", "--in", Path("params.bin")).Code);
        (code, _, error) = Run("keygen", "-p", Path("params.bin"), "--out-dir", Path("keys"), "--steps=1,-1,2,4", "--seeded", "--compression", "zstd");
        Assert.True(code == 0, error);
        (code, _, error) = Run("encrypt", "-p", Path("params.bin"), "--public-key", Path("keys/public_key.bin"), "--values", "[0.5, -1, 2, 0.25]", "-o", Path("x.bin"), "--base64");
        Assert.True(code == 0, error);
        Assert.Equal(0, Run("encrypt", "-p", Path("params.bin"), "--secret-key", Path("keys/secret_key.bin"), "--values", "[1, 1, 1, 1]", "--seeded", "-o", Path("y.bin")).Code);
        Assert.Equal(0, Run("eval", "-p", Path("params.bin"), "--op", "add", "-i", Path("x.bin"), "--in2", Path("y.bin"), "-o", Path("sum.bin")).Code);
        Assert.Equal(0, Run("eval", "-p", Path("params.bin"), "--op", "multiply", "-i", Path("sum.bin"), "--in2", Path("x.bin"), "--relin-keys", Path("keys/relin_keys.bin"), "--rescale", "-o", Path("product.bin"), "--compression", "zlib").Code);
        Assert.Equal(0, Run("eval", "-p", Path("params.bin"), "--op", "rotate", "--steps", "1", "-i", Path("product.bin"), "--galois-keys", Path("keys/galois_keys.bin"), "-o", Path("rotated.bin")).Code);
        (code, output, error) = Run("decrypt", "-p", Path("params.bin"), "--secret-key", Path("keys/secret_key.bin"), "-i", Path("rotated.bin"), "--count", "3");
        Assert.True(code == 0, error);
        double[] values = JsonSerializer.Deserialize<double[]>(output)!;
        // ((x + y) · x) rotated left by one: slots 1, 2, 3 of the product.
        Assert.Equal([(-1 + 1) * -1.0, (2 + 1) * 2.0, (0.25 + 1) * 0.25], values.Select(v => Math.Round(v, 5)).ToArray());

        // A packed 2×2 matrix-vector product.
        Assert.Equal(0, Run("keygen", "-p", Path("params.bin"), "--out-dir", Path("mkeys"), "--steps=1").Code);
        Assert.Equal(0, Run("encrypt", "-p", Path("params.bin"), "--public-key", Path("mkeys/public_key.bin"), "--values", "[[1, 2], [3, 4]]", "--block-dimension", "2", "-o", Path("v.bin")).Code);
        (code, _, error) = Run("eval", "-p", Path("params.bin"), "--op", "matvec", "--matrix", "[[1, 1], [0, -2]]", "-i", Path("v.bin"), "--galois-keys", Path("mkeys/galois_keys.bin"), "--rescale", "-o", Path("mv.bin"));
        Assert.True(code == 0, error);
        (code, output, _) = Run("decrypt", "-p", Path("params.bin"), "--secret-key", Path("mkeys/secret_key.bin"), "-i", Path("mv.bin"), "--block-dimension", "2", "--count", "2");
        Assert.Equal(0, code);
        var vectors = JsonSerializer.Deserialize<double[][]>(output)!;
        Assert.Equal([3.0, -4.0, 7.0, -8.0], vectors.SelectMany(v => v).Select(v => Math.Round(v, 5)).ToArray());
    }

    [Fact]
    public void Bad_input_gets_a_clear_error_and_the_right_exit_code()
    {
        Assert.Equal(0, Run("params", "-n", "4096", "--bits", "40,30,35", "-o", Path("params.bin")).Code);
        Assert.Equal(0, Run("keygen", "-p", Path("params.bin"), "--out-dir", Path("keys")).Code);
        Assert.Equal(0, Run("encrypt", "-p", Path("params.bin"), "--public-key", Path("keys/public_key.bin"), "--values", "[1]", "--scale-bits", "30", "-o", Path("x.bin")).Code);

        File.WriteAllBytes(Path("garbage.bin"), [1, 2, 3, 4, 5]);
        var (code, _, error) = Run("decrypt", "-p", Path("params.bin"), "--secret-key", Path("keys/secret_key.bin"), "-i", Path("garbage.bin"));
        Assert.Equal(2, code);
        Assert.Contains("neither SEAL binary data", error, StringComparison.Ordinal);

        byte[] truncated = File.ReadAllBytes(Path("x.bin"))[..1000];
        File.WriteAllBytes(Path("truncated.bin"), truncated);
        (code, _, error) = Run("decrypt", "-p", Path("params.bin"), "--secret-key", Path("keys/secret_key.bin"), "-i", Path("truncated.bin"));
        Assert.Equal(2, code);
        Assert.Contains("truncated", error, StringComparison.Ordinal);

        (code, _, error) = Run("eval", "-p", Path("params.bin"), "--op", "rotate", "--steps", "3", "-i", Path("x.bin"), "-o", Path("r.bin"));
        Assert.Equal(1, code);
        Assert.Contains("Galois", error, StringComparison.Ordinal);

        (code, _, _) = Run("decrypt", "-p", Path("missing.bin"), "--secret-key", Path("keys/secret_key.bin"), "-i", Path("x.bin"));
        Assert.Equal(3, code);

        (code, _, error) = Run("params", "-n", "4096", "--bits", "60,60", "-o", Path("insecure.bin"));
        Assert.Equal(2, code);
        Assert.Contains("allows at most 109", error, StringComparison.Ordinal);
        Assert.Equal(0, Run("params", "-n", "4096", "--bits", "60,60", "--security", "none", "-o", Path("insecure.bin")).Code);

        (code, _, error) = Run("eval", "-p", Path("params.bin"), "--op", "rescale", "-i", Path("x.bin"), "-o", Path("r1.bin"));
        Assert.Equal(0, code);
        (code, _, error) = Run("eval", "-p", Path("params.bin"), "--op", "rescale", "-i", Path("r1.bin"), "-o", Path("r2.bin"));
        Assert.Equal(1, code);
        Assert.Contains("last level", error, StringComparison.Ordinal);
    }

    private string Path(string name) => System.IO.Path.Combine(_directory, name);

    private static (int Code, string Output, string Error) Run(params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(System.IO.Path.Combine(AppContext.BaseDirectory, "basedai.dll"));
        start.ArgumentList.Add("fhe");
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output, error.Result);
    }
}
