namespace Hmm.Spec.Model;

/// <summary>
/// The resource names of one object's fields (<c>page 1027 refcount</c>), each built on first use and then reused:
/// every access passes its name to a scheduling point and to the step log, and rebuilding it each time was one of
/// the model's main costs per step. Fields are string literals, so they are told apart by reference first.
/// </summary>
internal sealed class ResourceNames(string prefix)
{
    private string[] _fields = new string[4];
    private string[] _names = new string[4];
    private int _count;

    /// <summary><c>"{prefix} {field}"</c>. An indexer with the common case inline: Coyote's rewriter leaves accessors
    /// uninstrumented (see <see cref="StepDetail"/>).</summary>
    public string this[string field]
    {
        get
        {
            for (var i = 0; i < _count; i++)
            {
                if (ReferenceEquals(_fields[i], field))
                    return _names[i];
            }
            return FindByValue(field) ?? Add(field);
        }
    }

    private string? FindByValue(string field)
    {
        for (var i = 0; i < _count; i++)
        {
            if (string.Equals(_fields[i], field, StringComparison.Ordinal))
                return _names[i];
        }
        return null;
    }

    private string Add(string field)
    {
        if (_count == _fields.Length)
        {
            Array.Resize(ref _fields, _count * 2);
            Array.Resize(ref _names, _count * 2);
        }
        _fields[_count] = field;
        return _names[_count++] = $"{prefix} {field}";
    }
}
