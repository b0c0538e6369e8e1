namespace BasedAI.TestLib;

public static class LibraryInfo
{
    public static string Version => "2.0.0";

    // Version 2 changed the behaviour and added an overload that version 1 lacks.
    public static string Transform(string input) => new(input.Reverse().ToArray());

    public static string Transform(string input, int times) => string.Concat(Enumerable.Repeat(Transform(input), times));
}
