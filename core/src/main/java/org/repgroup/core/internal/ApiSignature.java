package org.repgroup.core.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The public API of one module as text, one line per public type and member
 * outside {@code internal} packages, sorted: the build's API check. Each
 * module's {@code ApiSignatureTest} compares it with the committed
 * {@code api/<module>.api} file, so a change to the API shows in the diff of the
 * change that made it (run the build with {@code -Drepgroup.api.update=true} to
 * rewrite the file). Nothing has been released, so this replaces a japicmp
 * comparison against a baseline. Build tooling, not API.
 */
public final class ApiSignature {

  /** Set to {@code true} to rewrite the committed signature instead of comparing. */
  public static final String UPDATE_PROPERTY = "repgroup.api.update";

  private ApiSignature() {}

  /** The signature of the classes compiled into {@code classesDir}, loaded through {@code loader}. */
  public static String of(Path classesDir, ClassLoader loader) {
    List<String> lines = new ArrayList<>();
    try (Stream<Path> files = Files.walk(classesDir)) {
      for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".class")).sorted()::iterator) {
        String name = classesDir.relativize(f).toString().replace('/', '.').replace('\\', '.');
        name = name.substring(0, name.length() - ".class".length());
        if (name.contains(".internal.") || name.endsWith("module-info") || name.endsWith("package-info")) {
          continue;
        }
        Class<?> c = Class.forName(name, false, loader);
        if (isApi(c)) {
          describe(c, lines);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException("cannot load " + e.getMessage(), e);
    }
    return String.join("\n", lines) + "\n";
  }

  /**
   * Compares the signature of {@code classesDir} with {@code committed}, or
   * rewrites it when {@link #UPDATE_PROPERTY} is set.
   *
   * @return null when they match (or the file was rewritten), else a message naming the differences
   */
  public static String check(Path classesDir, ClassLoader loader, Path committed) {
    String now = of(classesDir, loader);
    try {
      if (Boolean.getBoolean(UPDATE_PROPERTY)) {
        Files.createDirectories(committed.getParent());
        Files.writeString(committed, now, StandardCharsets.UTF_8);
        return null;
      }
      String before = Files.exists(committed) ? Files.readString(committed, StandardCharsets.UTF_8) : "";
      if (before.equals(now)) {
        return null;
      }
      List<String> was = before.lines().toList();
      List<String> is = now.lines().toList();
      StringBuilder sb = new StringBuilder("the public API differs from " + committed
          + " (rebuild with -D" + UPDATE_PROPERTY + "=true to accept it):");
      is.stream().filter(l -> !was.contains(l)).forEach(l -> sb.append("\n  + ").append(l));
      was.stream().filter(l -> !is.contains(l)).forEach(l -> sb.append("\n  - ").append(l));
      return sb.toString();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static boolean isApi(Class<?> c) {
    if (c.isAnonymousClass() || c.isLocalClass() || c.isSynthetic()) {
      return false;
    }
    for (Class<?> k = c; k != null; k = k.getDeclaringClass()) {
      if (!Modifier.isPublic(k.getModifiers()) && !Modifier.isProtected(k.getModifiers())) {
        return false;
      }
    }
    return true;
  }

  private static void describe(Class<?> c, List<String> lines) {
    String type = c.toGenericString();
    List<String> members = new ArrayList<>();
    boolean extensible = !Modifier.isFinal(c.getModifiers()) && !c.isEnum() && !c.isRecord();
    for (Constructor<?> k : c.getDeclaredConstructors()) {
      if (visible(k.getModifiers(), extensible) && !k.isSynthetic()) {
        members.add(k.toGenericString());
      }
    }
    for (Method m : c.getDeclaredMethods()) {
      if (visible(m.getModifiers(), extensible) && !m.isSynthetic() && !m.isBridge()) {
        members.add(m.toGenericString());
      }
    }
    for (Field f : c.getDeclaredFields()) {
      if (visible(f.getModifiers(), extensible) && !f.isSynthetic()) {
        members.add(f.toGenericString());
      }
    }
    members.sort(null);
    lines.add(type);
    for (String m : members) {
      lines.add("  " + m);
    }
  }

  private static boolean visible(int modifiers, boolean extensible) {
    return Modifier.isPublic(modifiers) || (extensible && Modifier.isProtected(modifiers));
  }
}
