// The keypoints CSV reader and the fixed fifth held out from training (training/dataset.py's fifths()
// draws the same line; the expected parts below are what that function gives for the same names).

#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "engine/eval/keypoints_dataset.hpp"

namespace facefilter {
namespace {

std::string row(const std::string& name) {
  std::string line = name;
  for (int i = 0; i < 136; ++i) line += "," + std::to_string(10 + i % 50) + ".5";
  return line + "\n";
}

std::string header() {
  std::string line;
  for (int i = 0; i < 136; ++i) line += "," + std::to_string(i);
  return line + "\n";
}

std::vector<std::string> names(const std::vector<KeypointsSample>& samples) {
  std::vector<std::string> out;
  for (const auto& s : samples) out.push_back(s.imagePath.substr(s.imagePath.rfind('/') + 1));
  return out;
}

TEST(KeypointsCsv, ReadsRowsAndNamesTheLineOfABadOne) {
  auto ok = parseKeypointsCsv(header() + row("a_1.jpg") + row("b_1.jpg"), "set.csv", "images");
  ASSERT_TRUE(ok) << ok.error().message;
  ASSERT_EQ(ok->size(), 2u);
  EXPECT_EQ(ok->at(1).imagePath, "images/b_1.jpg");
  EXPECT_FLOAT_EQ(ok->at(0).points[0].x, 10.5f);

  auto bad = parseKeypointsCsv(header() + row("a_1.jpg") + "b_1.jpg,1,2\n", "set.csv", "images");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("set.csv:3"), std::string::npos) << bad.error().message;
}

TEST(DatasetPart, PhotographIsTheNameLessItsFaceNumber) {
  EXPECT_EQ(photographOf("val/100040721_2.jpg"), "100040721");
  EXPECT_EQ(photographOf("Luis_Fonsi_21.jpg"), "Luis_Fonsi");
  EXPECT_EQ(photographOf("face.jpg"), "face");
  EXPECT_EQ(photographOf("2024.jpg"), "2024");  // digits without an underscore are the name
}

TEST(DatasetPart, HoldsOutEveryFifthPhotographWithAllItsFaces) {
  // Twelve faces from ten photographs, listed out of order; p05 and p10 hold two faces each.
  std::string csv = header();
  for (const char* n : {"p10_1.jpg", "p01_1.jpg", "p05_1.jpg", "p02_1.jpg", "p03_1.jpg", "p05_2.jpg",
                        "p04_1.jpg", "p06_1.jpg", "p07_1.jpg", "p10_2.jpg", "p08_1.jpg", "p09_1.jpg"}) {
    csv += row(n);
  }
  auto all = parseKeypointsCsv(csv, "set.csv", "val");
  ASSERT_TRUE(all) << all.error().message;

  const auto holdout = names(selectPart(all.value(), DatasetPart::Holdout));
  const auto train = names(selectPart(all.value(), DatasetPart::Train));
  EXPECT_EQ(holdout, (std::vector<std::string>{"p10_1.jpg", "p05_1.jpg", "p05_2.jpg", "p10_2.jpg"}));
  EXPECT_EQ(train.size(), 8u);
  for (const auto& n : holdout) EXPECT_EQ(std::count(train.begin(), train.end(), n), 0) << n;
  EXPECT_EQ(selectPart(all.value(), DatasetPart::All).size(), 12u);
}

TEST(DatasetPart, ParsesItsNamesAndRefusesOthers) {
  EXPECT_EQ(parseDatasetPart("holdout").value(), DatasetPart::Holdout);
  EXPECT_EQ(parseDatasetPart("train").value(), DatasetPart::Train);
  EXPECT_EQ(parseDatasetPart("all").value(), DatasetPart::All);
  auto bad = parseDatasetPart("val");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("'val'"), std::string::npos);
}

}  // namespace
}  // namespace facefilter
