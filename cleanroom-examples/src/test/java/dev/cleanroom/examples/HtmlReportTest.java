package dev.cleanroom.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.query.LedgerStatus;
import java.io.ByteArrayInputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

class HtmlReportTest {
  /** Parses XHTML with the JDK's parser: namespace aware, no DTDs, no external entities. */
  static Document parse(String xhtml) throws Exception {
    DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
    f.setNamespaceAware(true);
    f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
    f.setFeature("http://xml.org/sax/features/external-general-entities", false);
    f.setFeature("http://xml.org/sax/features/external-parameter-entities", false);
    f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
    f.setXIncludeAware(false);
    f.setExpandEntityReferences(false);
    DocumentBuilder b = f.newDocumentBuilder();
    b.setErrorHandler(null);
    return b.parse(new ByteArrayInputStream(xhtml.getBytes(StandardCharsets.UTF_8)));
  }

  /** The number of bars in one chart. */
  static int bars(Element svg) {
    NodeList rects = svg.getElementsByTagNameNS(HtmlReport.SVG, "rect");
    int bars = 0;
    for (int i = 0; i < rects.getLength(); i++) {
      if (((Element) rects.item(i)).getAttribute("class").equals("bar")) {
        bars++;
      }
    }
    return bars;
  }

  private static final String HOSTILE = "</text><script>alert(1)</script>&amp;\u0000\"'\ud800]]>";

  private static String report() {
    return HtmlReport.render(
        "title " + HOSTILE,
        List.of(
            new HtmlReport.Chart(
                "chart " + HOSTILE,
                List.of(
                    new HtmlReport.Bar(HOSTILE, 10, 8, 12),
                    new HtmlReport.Bar("negative", -3, -9, 3),
                    new HtmlReport.Bar("\ud83d\ude00 emoji", 5, 5, 5)))),
        Map.of("a.b " + HOSTILE, "Policy[" + HOSTILE + "]"),
        List.of(
            new LedgerStatus(
                "a.b/" + HOSTILE,
                "a.b",
                BigDecimal.ONE,
                BigDecimal.ZERO,
                new BigDecimal("9.0"),
                BigDecimal.ZERO)));
  }

  @Test
  void hostileLabels_areEscaped_andTheReportStaysWellFormed() throws Exception {
    Document doc = parse(report());
    assertEquals(0, doc.getElementsByTagNameNS("*", "script").getLength());
    NodeList texts = doc.getElementsByTagNameNS(HtmlReport.SVG, "text");
    assertEquals(3, texts.getLength());
    assertEquals(
        "</text><script>alert(1)</script>&amp;\uFFFD\"'\uFFFD]]>", texts.item(0).getTextContent());
    assertEquals("\ud83d\ude00 emoji", texts.item(2).getTextContent());
    assertEquals(3, bars((Element) doc.getElementsByTagNameNS(HtmlReport.SVG, "svg").item(0)));
  }

  @Test
  void report_isSelfContained() {
    String r = report();
    assertFalse(r.contains("<script"), r);
    assertFalse(r.contains("src="), r);
    assertFalse(r.contains("href="), r);
    assertFalse(r.contains("url("), r);
    assertTrue(r.startsWith("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"));
  }

  @Test
  void negativeValues_drawNoNegativeWidth() throws Exception {
    Document doc = parse(report());
    NodeList rects = doc.getElementsByTagNameNS(HtmlReport.SVG, "rect");
    for (int i = 0; i < rects.getLength(); i++) {
      assertTrue(Double.parseDouble(((Element) rects.item(i)).getAttribute("width")) >= 0);
    }
  }
}
