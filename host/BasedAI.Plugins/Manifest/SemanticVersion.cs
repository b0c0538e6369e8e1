using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace BasedAI.Plugins.Manifest;

/// <summary>A SemVer 2.0.0 version; build metadata is kept but ignored when comparing, as the spec requires.</summary>
public sealed class SemanticVersion : IComparable<SemanticVersion>, IEquatable<SemanticVersion>
{
    private readonly string[] _prerelease;

    private SemanticVersion(int major, int minor, int patch, string[] prerelease, string? build)
    {
        Major = major;
        Minor = minor;
        Patch = patch;
        _prerelease = prerelease;
        Build = build;
    }

    /// <summary>The major version.</summary>
    public int Major { get; }

    /// <summary>The minor version.</summary>
    public int Minor { get; }

    /// <summary>The patch version.</summary>
    public int Patch { get; }

    /// <summary>The pre-release label ("" when none).</summary>
    public string Prerelease => string.Join('.', _prerelease);

    /// <summary>Build metadata, or null.</summary>
    public string? Build { get; }

    /// <summary>Parses <paramref name="text"/> or throws <see cref="FormatException"/> naming what is wrong.</summary>
    public static SemanticVersion Parse(string text) =>
        TryParse(text, out var version) ? version : throw new FormatException($"'{text}' is not a SemVer 2.0.0 version (major.minor.patch[-prerelease][+build])");

    /// <summary>Parses <paramref name="text"/>.</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out SemanticVersion? version)
    {
        version = null;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }
        string? build = null;
        int plus = text.IndexOf('+', StringComparison.Ordinal);
        if (plus >= 0)
        {
            build = text[(plus + 1)..];
            text = text[..plus];
            if (build.Length == 0 || !build.Split('.').All(IsIdentifier))
            {
                return false;
            }
        }
        string[] prerelease = [];
        int dash = text.IndexOf('-', StringComparison.Ordinal);
        if (dash >= 0)
        {
            prerelease = text[(dash + 1)..].Split('.');
            text = text[..dash];
            if (!prerelease.All(p => IsIdentifier(p) && !(p.Length > 1 && p[0] == '0' && p.All(char.IsAsciiDigit))))
            {
                return false;
            }
        }
        string[] parts = text.Split('.');
        if (parts.Length != 3 || !TryParseNumber(parts[0], out int major) || !TryParseNumber(parts[1], out int minor) || !TryParseNumber(parts[2], out int patch))
        {
            return false;
        }
        version = new SemanticVersion(major, minor, patch, prerelease, build);
        return true;
    }

    private static bool IsIdentifier(string part) => part.Length > 0 && part.All(c => char.IsAsciiLetterOrDigit(c) || c == '-');

    private static bool TryParseNumber(string part, out int value)
    {
        value = 0;
        return part.Length > 0 && part.All(char.IsAsciiDigit) && !(part.Length > 1 && part[0] == '0')
            && int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }

    /// <inheritdoc/>
    public int CompareTo(SemanticVersion? other)
    {
        if (other is null)
        {
            return 1;
        }
        int c = Major.CompareTo(other.Major);
        if (c == 0) { c = Minor.CompareTo(other.Minor); }
        if (c == 0) { c = Patch.CompareTo(other.Patch); }
        if (c != 0) { return c; }
        // A version without pre-release ranks above one with it; identifiers compare numerically when both are numbers.
        if (_prerelease.Length == 0 || other._prerelease.Length == 0)
        {
            return other._prerelease.Length.CompareTo(_prerelease.Length) switch { 0 => 0, _ when _prerelease.Length == 0 => 1, _ => -1 };
        }
        for (int i = 0; i < Math.Min(_prerelease.Length, other._prerelease.Length); i++)
        {
            string a = _prerelease[i], b = other._prerelease[i];
            bool aNumeric = a.All(char.IsAsciiDigit), bNumeric = b.All(char.IsAsciiDigit);
            c = (aNumeric, bNumeric) switch
            {
                (true, true) => a.Length != b.Length ? a.Length.CompareTo(b.Length) : string.CompareOrdinal(a, b),
                (true, false) => -1,
                (false, true) => 1,
                _ => string.CompareOrdinal(a, b),
            };
            if (c != 0) { return c; }
        }
        return _prerelease.Length.CompareTo(other._prerelease.Length);
    }

    /// <inheritdoc/>
    public bool Equals(SemanticVersion? other) => other is not null && CompareTo(other) == 0;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is SemanticVersion other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Major, Minor, Patch, Prerelease);

    /// <inheritdoc/>
    public override string ToString() =>
        $"{Major}.{Minor}.{Patch}{(_prerelease.Length > 0 ? "-" + Prerelease : "")}{(Build is null ? "" : "+" + Build)}";

    /// <summary>Compares two versions.</summary>
    public static bool operator <(SemanticVersion left, SemanticVersion right) => left.CompareTo(right) < 0;

    /// <summary>Compares two versions.</summary>
    public static bool operator >(SemanticVersion left, SemanticVersion right) => left.CompareTo(right) > 0;

    /// <summary>Compares two versions.</summary>
    public static bool operator <=(SemanticVersion left, SemanticVersion right) => left.CompareTo(right) <= 0;

    /// <summary>Compares two versions.</summary>
    public static bool operator >=(SemanticVersion left, SemanticVersion right) => left.CompareTo(right) >= 0;

    /// <summary>Compares two versions.</summary>
    public static bool operator ==(SemanticVersion? left, SemanticVersion? right) => left is null ? right is null : left.Equals(right);

    /// <summary>Compares two versions.</summary>
    public static bool operator !=(SemanticVersion? left, SemanticVersion? right) => !(left == right);
}

/// <summary>
/// A version range as written in manifests: <c>1.2.0</c> (at least), <c>[1.2.3]</c> (exactly), or an interval
/// <c>[1.0.0,2.0.0)</c> where brackets include the bound, parentheses exclude it, and an empty bound is unbounded.
/// </summary>
public sealed class VersionRange
{
    private VersionRange(SemanticVersion? min, bool minInclusive, SemanticVersion? max, bool maxInclusive, string text)
    {
        Min = min;
        MinInclusive = minInclusive;
        Max = max;
        MaxInclusive = maxInclusive;
        Text = text;
    }

    /// <summary>The lower bound, or null.</summary>
    public SemanticVersion? Min { get; }

    /// <summary>Whether <see cref="Min"/> is included.</summary>
    public bool MinInclusive { get; }

    /// <summary>The upper bound, or null.</summary>
    public SemanticVersion? Max { get; }

    /// <summary>Whether <see cref="Max"/> is included.</summary>
    public bool MaxInclusive { get; }

    /// <summary>The range as written.</summary>
    public string Text { get; }

    /// <summary>Parses a range or throws <see cref="FormatException"/> naming what is wrong.</summary>
    public static VersionRange Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string trimmed = text.Trim();
        if (trimmed.Length == 0)
        {
            throw new FormatException("an empty version range");
        }
        if (trimmed[0] is not ('[' or '('))
        {
            return new VersionRange(SemanticVersion.Parse(trimmed), true, null, false, text);
        }
        char close = trimmed[^1];
        if (close is not (']' or ')'))
        {
            throw new FormatException($"version range '{text}' opens an interval but does not close it with ']' or ')'");
        }
        string body = trimmed[1..^1];
        int comma = body.IndexOf(',', StringComparison.Ordinal);
        if (comma < 0)
        {
            if (trimmed[0] != '[' || close != ']')
            {
                throw new FormatException($"version range '{text}': an exact version is written [x.y.z]");
            }
            var exact = SemanticVersion.Parse(body.Trim());
            return new VersionRange(exact, true, exact, true, text);
        }
        string low = body[..comma].Trim(), high = body[(comma + 1)..].Trim();
        var min = low.Length == 0 ? null : SemanticVersion.Parse(low);
        var max = high.Length == 0 ? null : SemanticVersion.Parse(high);
        if (min is not null && max is not null && min > max)
        {
            throw new FormatException($"version range '{text}' is empty: its lower bound is above its upper bound");
        }
        return new VersionRange(min, trimmed[0] == '[', max, close == ']', text);
    }

    /// <summary>Whether <paramref name="version"/> lies in the range.</summary>
    public bool Contains(SemanticVersion version)
    {
        ArgumentNullException.ThrowIfNull(version);
        if (Min is not null && (MinInclusive ? version < Min : version <= Min))
        {
            return false;
        }
        return Max is null || (MaxInclusive ? version <= Max : version < Max);
    }

    /// <inheritdoc/>
    public override string ToString() => Text;
}
