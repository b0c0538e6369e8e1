namespace BasedAI.TestLib;

public static class LibraryInfo
{
    public static string Version => "1.0.0";

    public static string Transform(string input) => input.ToUpperInvariant();
}
