package dev.cleanroom.policy;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;

/**
 * A strict reader of the JSON documents of AWS Clean Rooms, on snakeyaml-engine's compose API (YAML
 * 1.2 reads JSON), so that every error names the field path, line and column. Unknown fields,
 * duplicate fields and wrong types are errors; no error repeats a value of the document.
 */
final class AwsJson {
  /** The deepest nesting of objects and arrays accepted; AWS documents nest four levels. */
  static final int MAX_DEPTH = 32;

  /** The longest document accepted, in characters. */
  static final int MAX_LENGTH = 1 << 20;

  private AwsJson() {}

  /** Parses {@code text}, a JSON object, into its root object, whose fields start paths. */
  static Obj parse(String text) {
    return parse(text, "");
  }

  /** Parses {@code text}, a JSON object, into its root object at path {@code root}. */
  static Obj parse(String text, String rootPath) {
    if (text.length() > MAX_LENGTH) {
      throw new AwsRuleException(
          "", 0, 0, "the document is longer than " + MAX_LENGTH + " characters");
    }
    String body = text.startsWith("\uFEFF") ? text.substring(1) : text;
    checkShape(body);
    LoadSettings settings =
        LoadSettings.builder()
            .setLabel("AWS document")
            .setAllowDuplicateKeys(false)
            .setMaxAliasesForCollections(0)
            .setAllowRecursiveKeys(false)
            .setCodePointLimit(MAX_LENGTH * 2)
            .build();
    Optional<Node> root;
    try {
      root = new Compose(settings).composeString(body);
    } catch (MarkedYamlEngineException e) {
      Optional<Mark> mark = e.getProblemMark().or(e::getContextMark);
      throw new AwsRuleException(
          "",
          mark.map(m -> m.getLine() + 1).orElse(0),
          mark.map(m -> m.getColumn() + 1).orElse(0),
          "the document is not well-formed JSON");
    } catch (YamlEngineException e) {
      throw new AwsRuleException("", 0, 0, "the document is not well-formed JSON");
    }
    Node node = root.orElseThrow(() -> new AwsRuleException("", 0, 0, "the document is empty"));
    return new Obj(rootPath, node);
  }

  /**
   * Checks that the document is one JSON object in flow style (it starts with a brace), nested at
   * most {@link #MAX_DEPTH} deep, so that reading it never recurses deeply.
   */
  private static void checkShape(String text) {
    int start = 0;
    while (start < text.length() && Character.isWhitespace(text.charAt(start))) {
      start++;
    }
    if (start == text.length()) {
      throw new AwsRuleException("", 0, 0, "the document is empty");
    }
    if (text.charAt(start) != '{') {
      throw new AwsRuleException("", 0, 0, "the document must be a JSON object");
    }
    int depth = 0;
    boolean inString = false;
    char quote = 0;
    int line = 1;
    int lineStart = 0;
    for (int i = start; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '\n') {
        line++;
        lineStart = i + 1;
      }
      if (inString) {
        if (c == '\\' && quote == '"') {
          i++;
        } else if (c == quote) {
          inString = false;
        }
      } else if ((c == '"' || c == '\'') && opensScalar(text, i)) {
        inString = true;
        quote = c;
      } else if (c == '{' || c == '[') {
        depth++;
        if (depth > MAX_DEPTH) {
          throw new AwsRuleException(
              "", line, i - lineStart + 1, "the document nests deeper than " + MAX_DEPTH);
        }
      } else if (c == '}' || c == ']') {
        depth--;
      }
    }
  }

  /** Whether the quote at {@code i} opens a quoted scalar: it follows a bracket, comma or colon. */
  private static boolean opensScalar(String text, int i) {
    int j = i - 1;
    while (j >= 0 && Character.isWhitespace(text.charAt(j))) {
      j--;
    }
    return j < 0 || "{[,:".indexOf(text.charAt(j)) >= 0;
  }

  static int line(Node node) {
    return node.getStartMark().map(m -> m.getLine() + 1).orElse(0);
  }

  static int column(Node node) {
    return node.getStartMark().map(m -> m.getColumn() + 1).orElse(0);
  }

  static AwsRuleException error(String path, Node node, String problem) {
    return new AwsRuleException(path, line(node), column(node), problem);
  }

  private static String kind(Node node) {
    if (node instanceof MappingNode) {
      return "an object";
    }
    if (node instanceof SequenceNode) {
      return "an array";
    }
    Tag tag = node.getTag();
    if (Tag.STR.equals(tag)) {
      return "a string";
    }
    if (Tag.INT.equals(tag) || Tag.FLOAT.equals(tag)) {
      return "a number";
    }
    if (Tag.BOOL.equals(tag)) {
      return "a boolean";
    }
    if (Tag.NULL.equals(tag)) {
      return "null";
    }
    return "a value of another type";
  }

  /** A string of the document with where it stands. */
  record Str(String value, String path, Node node) {
    AwsRuleException error(String problem) {
      return AwsJson.error(path, node, problem);
    }
  }

  /** A JSON object of the document, with its path. */
  static final class Obj {
    private final String path;
    private final Node node;
    private final Map<String, NodeTuple> fields = new LinkedHashMap<>();

    Obj(String path, Node node) {
      this.path = path;
      this.node = node;
      if (!(node instanceof MappingNode)) {
        throw AwsJson.error(path, node, "must be an object, not " + kind(node));
      }
      for (NodeTuple t : ((MappingNode) node).getValue()) {
        Node key = t.getKeyNode();
        if (!(key instanceof ScalarNode) || !Tag.STR.equals(key.getTag())) {
          throw AwsJson.error(path, key, "has a field name that is not a string");
        }
        String name = ((ScalarNode) key).getValue();
        if (fields.containsKey(name)) {
          throw AwsJson.error(path, key, "names a field twice");
        }
        fields.put(name, t);
      }
    }

    String path() {
      return path;
    }

    Node node() {
      return node;
    }

    Set<String> names() {
      return fields.keySet();
    }

    String at(String field) {
      return path.isEmpty() ? field : path + "." + field;
    }

    /** Fails on a field not in {@code known}, naming the known fields (never the value). */
    void allowOnly(Set<String> known) {
      for (Map.Entry<String, NodeTuple> e : fields.entrySet()) {
        if (!known.contains(e.getKey())) {
          throw AwsJson.error(
              path,
              e.getValue().getKeyNode(),
              "has an unknown field; known fields are: " + new TreeSet<>(known));
        }
      }
    }

    boolean has(String field) {
      return fields.containsKey(field);
    }

    Node value(String field) {
      NodeTuple t = fields.get(field);
      if (t == null) {
        throw AwsJson.error(path, node, "lacks the required field " + field);
      }
      return t.getValueNode();
    }

    Obj object(String field) {
      return new Obj(at(field), value(field));
    }

    Str string(String field) {
      return str(at(field), value(field));
    }

    Optional<Str> optString(String field) {
      return has(field) ? Optional.of(string(field)) : Optional.empty();
    }

    /** A string field whose value is one of {@code allowed}. */
    Str choice(String field, Set<String> allowed) {
      Str s = string(field);
      if (!allowed.contains(s.value())) {
        throw s.error("must be one of " + new TreeSet<>(allowed));
      }
      return s;
    }

    Optional<Str> optChoice(String field, Set<String> allowed) {
      return has(field) ? Optional.of(choice(field, allowed)) : Optional.empty();
    }

    int integer(String field, int min, int max) {
      Node n = value(field);
      String p = at(field);
      if (!(n instanceof ScalarNode) || !Tag.INT.equals(n.getTag())) {
        throw AwsJson.error(p, n, "must be an integer, not " + kind(n));
      }
      BigInteger v;
      try {
        v = new BigInteger(((ScalarNode) n).getValue().trim());
      } catch (NumberFormatException e) {
        throw AwsJson.error(p, n, "must be a decimal integer");
      }
      if (v.compareTo(BigInteger.valueOf(min)) < 0 || v.compareTo(BigInteger.valueOf(max)) > 0) {
        throw AwsJson.error(p, n, "must be an integer in [" + min + ", " + max + "]");
      }
      return v.intValueExact();
    }

    List<Node> array(String field) {
      Node n = value(field);
      if (!(n instanceof SequenceNode)) {
        throw AwsJson.error(at(field), n, "must be an array, not " + kind(n));
      }
      return ((SequenceNode) n).getValue();
    }

    List<Str> strings(String field) {
      List<Str> out = new ArrayList<>();
      List<Node> items = array(field);
      for (int i = 0; i < items.size(); i++) {
        out.add(str(at(field) + "[" + i + "]", items.get(i)));
      }
      return out;
    }

    Optional<List<Str>> optStrings(String field) {
      return has(field) ? Optional.of(strings(field)) : Optional.empty();
    }

    List<Obj> objects(String field) {
      List<Obj> out = new ArrayList<>();
      List<Node> items = array(field);
      for (int i = 0; i < items.size(); i++) {
        out.add(new Obj(at(field) + "[" + i + "]", items.get(i)));
      }
      return out;
    }

    Optional<List<Obj>> optObjects(String field) {
      return has(field) ? Optional.of(objects(field)) : Optional.empty();
    }

    AwsRuleException error(String field, String problem) {
      Node n = fields.containsKey(field) ? value(field) : node;
      return AwsJson.error(fields.containsKey(field) ? at(field) : path, n, problem);
    }

    private static Str str(String path, Node n) {
      if (!(n instanceof ScalarNode) || !Tag.STR.equals(n.getTag())) {
        throw AwsJson.error(path, n, "must be a string, not " + kind(n));
      }
      return new Str(((ScalarNode) n).getValue(), path, n);
    }
  }
}
