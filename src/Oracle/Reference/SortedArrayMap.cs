using System.Runtime.CompilerServices;

namespace Hmm.Spec.Oracle.Reference;

/// <summary>
/// A small immutable map over sorted arrays: copy-on-write updates, binary-search lookups, fast enumeration,
/// structural equality and a cached hash. The reference state's maps hold tens of entries and are hashed and
/// compared far more often than updated, which is what this trades for.
/// </summary>
public sealed class SortedArrayMap<TKey, TValue> : IEquatable<SortedArrayMap<TKey, TValue>>
    where TKey : notnull
{
    private static readonly IComparer<TKey> Order =
        typeof(TKey) == typeof(string) ? (IComparer<TKey>)(object)StringComparer.Ordinal : Comparer<TKey>.Default;

    public static readonly SortedArrayMap<TKey, TValue> Empty = new([], []);

    private readonly TKey[] _keys;
    private readonly TValue[] _values;
    private int _hash;

    private SortedArrayMap(TKey[] keys, TValue[] values)
    {
        _keys = keys;
        _values = values;
    }

    public int Count => _keys.Length;
    public ReadOnlySpan<TKey> Keys => _keys;
    public ReadOnlySpan<TValue> Values => _values;

    public TValue this[TKey key] =>
        IndexOf(key) is var i and >= 0 ? _values[i] : throw new KeyNotFoundException($"no entry {key}");

    public bool ContainsKey(TKey key) => IndexOf(key) >= 0;

    public bool TryGetValue(TKey key, out TValue value)
    {
        var i = IndexOf(key);
        if (i >= 0)
        {
            value = _values[i];
            return true;
        }
        value = default!;
        return false;
    }

    public SortedArrayMap<TKey, TValue> SetItem(TKey key, TValue value)
    {
        var i = IndexOf(key);
        if (i >= 0)
        {
            if (EqualityComparer<TValue>.Default.Equals(_values[i], value)) return this;
            // Not Array.Clone: that goes through the runtime's object cloning, many times slower than a fresh
            // array and a copy for arrays this small (measured: docs/performance.md, "Oracle").
            var values = new TValue[_values.Length];
            _values.AsSpan().CopyTo(values);
            values[i] = value;
            return new SortedArrayMap<TKey, TValue>(_keys, values);
        }
        var at = ~i;
        var k = new TKey[_keys.Length + 1];
        var v = new TValue[_values.Length + 1];
        Array.Copy(_keys, 0, k, 0, at);
        Array.Copy(_values, 0, v, 0, at);
        k[at] = key;
        v[at] = value;
        Array.Copy(_keys, at, k, at + 1, _keys.Length - at);
        Array.Copy(_values, at, v, at + 1, _values.Length - at);
        return new SortedArrayMap<TKey, TValue>(k, v);
    }

    public SortedArrayMap<TKey, TValue> Add(TKey key, TValue value) =>
        ContainsKey(key) ? throw new ArgumentException($"duplicate key {key}") : SetItem(key, value);

    public SortedArrayMap<TKey, TValue> Remove(TKey key)
    {
        var i = IndexOf(key);
        if (i < 0) return this;
        var k = new TKey[_keys.Length - 1];
        var v = new TValue[_values.Length - 1];
        Array.Copy(_keys, 0, k, 0, i);
        Array.Copy(_values, 0, v, 0, i);
        Array.Copy(_keys, i + 1, k, i, _keys.Length - i - 1);
        Array.Copy(_values, i + 1, v, i, _values.Length - i - 1);
        return new SortedArrayMap<TKey, TValue>(k, v);
    }

    /// <summary>Builds a map from entries already in key order (no duplicates).</summary>
    public static SortedArrayMap<TKey, TValue> FromSorted(TKey[] keys, TValue[] values) => new(keys, values);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int IndexOf(TKey key) => Array.BinarySearch(_keys, key, Order);

    public Enumerator GetEnumerator() => new(this);

    public struct Enumerator(SortedArrayMap<TKey, TValue> map)
    {
        private int _i = -1;
        public readonly KeyValuePair<TKey, TValue> Current => new(map._keys[_i], map._values[_i]);
        public bool MoveNext() => ++_i < map._keys.Length;
    }

    public bool Equals(SortedArrayMap<TKey, TValue>? other)
    {
        if (ReferenceEquals(this, other)) return true;
        if (other is null || other._keys.Length != _keys.Length || other.GetHashCode() != GetHashCode()) return false;
        for (var i = 0; i < _keys.Length; i++)
        {
            if (!EqualityComparer<TKey>.Default.Equals(_keys[i], other._keys[i])
                || !EqualityComparer<TValue>.Default.Equals(_values[i], other._values[i])) return false;
        }
        return true;
    }

    public override bool Equals(object? obj) => Equals(obj as SortedArrayMap<TKey, TValue>);

    public override int GetHashCode()
    {
        if (_hash != 0) return _hash;
        var h = new HashCode();
        for (var i = 0; i < _keys.Length; i++)
        {
            h.Add(_keys[i]);
            h.Add(_values[i]);
        }
        var r = h.ToHashCode();
        return _hash = r == 0 ? 1 : r;
    }
}
